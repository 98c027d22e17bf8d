"""A small readable warning scenario: two gauges, three communes, two hazard zones (synthetic).

Commune "A" lies under a high-susceptibility landslide zone next to gauge G1; commune "B" under
a medium zone next to G2; commune "C" is 60 km from any gauge (no data, never zero rain).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import Engine, insert

from layers.zones import import_zones
from layers.zones_store import geometry_columns, replace_communes
from service.demo.rain_gauges import rain_gauge, rain_rows
from stations.store.schema import readings
from stations.store.sites import upsert_sites

T0 = 1_783_000_200  # aligned to 10 minutes
STEP = 600
NOW = T0


def box(lon: float, lat: float, size: float = 0.04) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + size, lat + size)


COMMUNES = {"A": box(106.70, 21.80), "B": box(106.90, 21.80), "C": box(107.40, 22.30)}
GAUGES = {"G1": (106.72, 21.82), "G2": (106.92, 21.82)}


def load_places(engine: Engine, tmp: Path) -> None:
    """Communes A, B, C and a landslide zone file: 'cao' over A, 'trung bình' over B."""
    rows = [
        {
            "id": cid,
            "name": f"Xã {cid}",
            "level": "commune",
            "district_former": None,
            "source": "test",
            "synthetic": True,
            "imported_at": NOW,
            **geometry_columns(geom),
        }
        for cid, geom in COMMUNES.items()
    ]
    with engine.begin() as conn:
        replace_communes(conn, rows, level="commune")
    frame = gpd.GeoDataFrame(
        {"ten": ["Vùng A", "Vùng B"], "muc": ["cao", "trung bình"]},
        geometry=[box(106.71, 21.81, 0.02), box(106.91, 21.81, 0.02)],
        crs="EPSG:4326",
    )
    path = tmp / "ls.gpkg"
    frame.to_file(path, driver="GPKG")
    import_zones(
        engine,
        path,
        hazard="landslide",
        data_dir=tmp,
        now=NOW,
        source_id="test-ls",
        synthetic=True,
        level_field="muc",
    )
    sites = [
        rain_gauge(gid, f"Trạm mưa {gid}", lon, lat, STEP) for gid, (lon, lat) in GAUGES.items()
    ]
    with engine.begin() as conn:
        upsert_sites(conn, sites, NOW)


def storm(hourly_mm_by_day: list[float]) -> list[float]:
    """mm per 10 min for consecutive days (mm per day given), alternating half and one and a
    half times the mean so that no value repeats (a repeating counter is a stuck gauge)."""
    out: list[float] = []
    for day_mm in hourly_mm_by_day:
        out += [day_mm / 144 * (0.5 if i % 2 else 1.5) for i in range(144)]
    return out


def write_rain(
    engine: Engine, gauge: str, series: list[float | None], start: int = T0
) -> tuple[int, int]:
    """Store ``series`` (mm per 10 min, None = not sent) from ``start``; returns the span."""
    rows = rain_rows(gauge, ((start + i * STEP, v) for i, v in enumerate(series) if v is not None))
    with engine.begin() as conn:
        conn.execute(insert(readings), rows)
    return start, start + (len(series) - 1) * STEP
