"""SYNTHETIC demo communes and rain-gauge sites for Lạng Sơn.

The real commune boundaries (65 communes and wards since 2025) are not reachable offline, so the
demo cuts the bundled province outline into 65 Voronoi cells around seeded points, named
"Xã mô phỏng NN" and stored with ``synthetic=True``. The 20 demo gauges sit on a jittered grid
inside the outline. Both are labelled synthetic wherever they are shown.
"""

from __future__ import annotations

import random

import geopandas as gpd
import shapely
from sqlalchemy import Engine

from layers import revision
from layers.communes import PROVINCE_OUTLINE
from layers.zones_store import geometry_columns, replace_communes

N_COMMUNES = 65
N_GAUGES = 20


def _province() -> shapely.Geometry:
    return shapely.union_all(gpd.read_file(PROVINCE_OUTLINE).geometry.values)


def _points_inside(area: shapely.Geometry, n: int, seed: int) -> list[shapely.Point]:
    rng = random.Random(seed)
    west, south, east, north = area.bounds
    shapely.prepare(area)
    out: list[shapely.Point] = []
    while len(out) < n:
        p = shapely.Point(rng.uniform(west, east), rng.uniform(south, north))
        if area.contains(p):
            out.append(p)
    return out


def synthetic_communes(
    n: int = N_COMMUNES, seed: int = 65
) -> list[tuple[str, str, shapely.Geometry]]:
    """``[(id, name, polygon)]``: Voronoi cells of seeded points, clipped to the province."""
    area = _province()
    seeds = shapely.MultiPoint(_points_inside(area, n, seed))
    cells = shapely.voronoi_polygons(seeds, extend_to=area.envelope.buffer(0.5))
    out = []
    for i, cell in enumerate(sorted(cells.geoms, key=lambda c: (c.centroid.x, c.centroid.y))):
        clipped = cell.intersection(area)
        if not clipped.is_empty:
            out.append((f"sim-{i + 1:02d}", f"Xã mô phỏng {i + 1:02d}", clipped))
    return out


def load_synthetic_communes(engine: Engine, now: int) -> int:
    """Replace the communes with the synthetic ones; returns the count."""
    rows = [
        {
            "id": cid,
            "name": name,
            "level": "commune",
            "district_former": None,
            "source": "SYNTHETIC: Voronoi cells of the province outline",
            "synthetic": True,
            "imported_at": now,
            **geometry_columns(geom),
        }
        for cid, name, geom in synthetic_communes()
    ]
    with engine.begin() as conn:
        replace_communes(conn, rows, level="commune")
    revision.bump()
    return len(rows)


def gauge_sites(n: int = N_GAUGES, seed: int = 20) -> list[tuple[str, float, float]]:
    """``[(id, lon, lat)]`` of the demo rain gauges, spread over the province."""
    area = _province()
    west, south, east, north = area.bounds
    rng = random.Random(seed)
    cols = 5
    rows = (n + cols - 1) // cols
    out: list[tuple[str, float, float]] = []
    for r in range(rows * 3):
        for c in range(cols):
            if len(out) >= n:
                return out
            lon = west + (c + rng.uniform(0.2, 0.8)) * (east - west) / cols
            lat = south + (r % rows + rng.uniform(0.2, 0.8)) * (north - south) / rows
            if area.contains(shapely.Point(lon, lat)):
                out.append((f"LS_MUA_{len(out) + 1:02d}", round(lon, 4), round(lat, 4)))
    return out
