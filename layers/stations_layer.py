"""The ``stations`` layer: automatic stations with data status and latest values, as GeoJSON.

Property schema (documented in docs/layers.md):
``id, name, kind, medium, facility, commune, district_former, synthetic, data_status,
last_observed_at (ISO 8601, display time zone), parameters ({code: {value, unit, observed_at,
status, qc_flags}}), aqi, aqi_class, aqi_colour, open_exceedances, compliance_state`` (null until
the compliance area provides them) and the zone levels at the station
``landslide_level, landslide_level_vi, landslide_level_en, flood_level, flood_level_vi,
flood_level_en`` (highest level 1..5 of each hazard's zones containing it, or null).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection

from layers.cross_area import station_extras
from layers.zone_index import ZoneIndex, zone_index
from stations.status import data_status
from stations.store.latest import latest_by_station
from stations.store.sites import list_sites
from stations.timeutil import VN_TZ, epoch_to_local_iso

EXTRA_KEYS = ("aqi", "aqi_class", "aqi_colour", "open_exceedances", "compliance_state")


def station_features(
    conn: Connection,
    now: int,
    *,
    offline_after: int = 3,
    tz: tzinfo = VN_TZ,
    zones: ZoneIndex | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of all automatic stations (WGS 84 lon/lat)."""
    latest = latest_by_station(conn)
    extras = station_extras(conn)
    zones = zones or zone_index(conn)
    features = []
    for site in list_sites(conn, site_type="station"):
        values = latest.get(site.id, {})
        last_at = max((v["observed_at"] for v in values.values()), default=None)
        interval_s = float(site.config.get("polling", {}).get("interval_minutes", 5)) * 60
        params = {
            code: {
                **v,
                "observed_at": epoch_to_local_iso(v["observed_at"], tz),
            }
            for code, v in sorted(values.items())
        }
        features.append(
            {
                "type": "Feature",
                "id": site.id,
                "geometry": {"type": "Point", "coordinates": [site.lon, site.lat]},
                "properties": {
                    "id": site.id,
                    "name": site.name,
                    "kind": site.kind,
                    "medium": site.medium,
                    "facility": site.facility,
                    "commune": site.commune,
                    "district_former": site.district_former,
                    "synthetic": site.synthetic,
                    "data_status": data_status(last_at, now, interval_s, offline_after).value,
                    "last_observed_at": epoch_to_local_iso(last_at, tz) if last_at else None,
                    "parameters": params,
                    **{k: extras.get(site.id, {}).get(k) for k in EXTRA_KEYS},
                    **zones.levels_at(site.lon, site.lat),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
