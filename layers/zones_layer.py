"""The ``landslide-zones``, ``flood-zones`` and ``communes`` layers as GeoJSON features.

Zone properties: ``id, hazard, level (1 very low .. 5 very high), level_vi, level_en, colour,
name, source_value, source_id, source_title, source_file, valid_from (ISO 8601 or null),
synthetic``. Commune properties: ``id, name, level (province | commune), district_former,
source, synthetic``.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

import shapely
from sqlalchemy import Connection

from layers.levels import LEVELS
from layers.zones_store import load_communes, load_zones
from stations.timeutil import VN_TZ, epoch_to_local_iso


def zone_features(conn: Connection, hazard: str, *, tz: tzinfo = VN_TZ) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of one hazard's zones (ids are the zone row ids)."""
    features = []
    for z in load_zones(conn, hazard):
        lv = LEVELS[z.level]
        features.append(
            {
                "type": "Feature",
                "id": z.id,
                "geometry": shapely.geometry.mapping(z.geometry),
                "properties": {
                    "id": z.id,
                    "hazard": z.hazard,
                    "level": z.level,
                    "level_vi": lv.label_vi,
                    "level_en": lv.label_en,
                    "colour": lv.colour,
                    "name": z.name,
                    "source_value": z.source_value,
                    "source_id": z.source_id,
                    "source_title": z.source_title,
                    "source_file": z.source_file,
                    "valid_from": epoch_to_local_iso(z.valid_from, tz) if z.valid_from else None,
                    "synthetic": z.synthetic,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def commune_features(conn: Connection) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the province outline and any commune polygons."""
    features = []
    for row, geom in load_communes(conn):
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": shapely.geometry.mapping(geom),
                "properties": {
                    "id": row["id"],
                    "name": row["name"],
                    "level": row["level"],
                    "district_former": row["district_former"],
                    "source": row["source"],
                    "synthetic": bool(row["synthetic"]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
