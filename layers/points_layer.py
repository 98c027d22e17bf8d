"""The ``monitoring-points`` layer: the periodic monitoring points with their latest results.

Properties: ``id, name, medium, water_class, commune, district_former, synthetic`` from the
registry; ``round, status, wqi, wqi_class, colour, exceedances, results, wqi_method`` from the
programme area's latest results (null until it provides them); and the zone levels at the point
(``landslide_level[_vi|_en]``, ``flood_level[_vi|_en]``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from layers.cross_area import point_results
from layers.zone_index import ZoneIndex, zone_index
from stations.store.schema import sites

RESULT_KEYS = (
    "round",
    "status",
    "wqi",
    "wqi_class",
    "colour",
    "exceedances",
    "results",
    "wqi_method",  # the VN_WQI formula and low-confidence rows used (docs/programme.md)
)


def point_features(conn: Connection, *, zones: ZoneIndex | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of every active monitoring point, ordered by id."""
    return {"type": "FeatureCollection", "features": list(iter_point_features(conn, zones=zones))}


def streamed_point_features(conn: Connection, zones: ZoneIndex) -> dict[str, Any]:
    """:func:`point_features` with the features as an iterator (what a snapshot consumes)."""
    return {"type": "FeatureCollection", "features": iter_point_features(conn, zones=zones)}


def iter_point_features(
    conn: Connection, *, zones: ZoneIndex | None = None
) -> Iterator[dict[str, Any]]:
    """The features of :func:`point_features` one at a time, read from a cursor: a layer
    snapshot encodes each and lets it go, so 100,000 points never live as dicts at once."""
    zones = zones or zone_index(conn)
    results = point_results(conn)
    columns = [sites.c[c] for c in _COLUMNS]
    query = select(*columns).where(sites.c.site_type == "point", sites.c.active)
    for r in conn.execute(query.order_by(sites.c.id)).yield_per(2000):
        latest = results.get(r.id) or {}
        yield {
            "type": "Feature",
            "id": r.id,
            "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
            "properties": {
                "id": r.id,
                "name": r.name,
                "medium": r.medium,
                "water_class": (r.config or {}).get("water_class"),
                "commune": r.commune,
                "district_former": r.district_former,
                "synthetic": bool(r.synthetic),
                **{k: latest.get(k) for k in RESULT_KEYS},
                **zones.levels_at(r.lon, r.lat),
            },
        }


# only what a feature shows: the other JSON columns cost a decode per point
_COLUMNS = (
    "id", "name", "medium", "config", "commune", "district_former", "synthetic", "lon", "lat"
)  # fmt: skip
