"""SYNTHETIC demo hazard data for Lạng Sơn (no real DEM or hazard map is reachable offline).

Both files are labelled synthetic in their metadata and imported with ``synthetic=True``, so
every zone says so in its properties. They exercise the same import path as real files.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import rasterio.features
import shapely
from rasterio.transform import from_origin

from layers.communes import PROVINCE_OUTLINE
from layers.crs import transformer

GRID_CRS = "EPSG:9215"  # VN-2000 / TM-3 107-15, metres
# Kỳ Cùng river through Lạng Sơn city, roughly SE -> NW (lon, lat); hand-drawn, synthetic.
KY_CUNG = [
    (106.905, 21.772),
    (106.860, 21.800),
    (106.810, 21.823),
    (106.772, 21.842),
    (106.752, 21.862),
    (106.728, 21.882),
    (106.700, 21.905),
    (106.668, 21.935),
]
# Flood level -> buffer distance from the centreline (metres): deeper water nearer the river.
FLOOD_BUFFERS_M = {5: 120.0, 4: 300.0, 3: 600.0, 2: 1000.0}


def _province_in_grid() -> shapely.Geometry:
    outline = gpd.read_file(PROVINCE_OUTLINE).to_crs(GRID_CRS)
    return shapely.union_all(outline.geometry.values)


def landslide_raster(path: Path, *, pixel_m: float = 250.0, seed: int = 18) -> Path:
    """A five-class susceptibility GeoTIFF (1 very low .. 5 very high, 0 outside the province)
    from seeded synthetic terrain: relief from random Gaussian hills, class from slope and
    height. Written in EPSG:9215."""
    province = _province_in_grid()
    minx, miny, maxx, maxy = province.bounds
    width, height = int((maxx - minx) / pixel_m) + 1, int((maxy - miny) / pixel_m) + 1
    transform = from_origin(minx, maxy, pixel_m, pixel_m)
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width].astype("float32")
    relief = np.zeros((height, width), dtype="float32")
    for _ in range(40):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        sigma = rng.uniform(15, 70)
        relief += rng.uniform(150, 900) * np.exp(
            -((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma**2)
        )
    gy, gx = np.gradient(relief, pixel_m)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    score = 0.7 * slope / max(float(slope.max()), 1e-6) + 0.3 * relief / float(relief.max())
    inside = rasterio.features.geometry_mask([province], (height, width), transform, invert=True)
    edges = np.quantile(score[inside], [0.35, 0.6, 0.8, 0.93])
    classes = (np.digitize(score, edges) + 1).astype("uint8")
    classes[~inside] = 0
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
        nodata=0, crs=GRID_CRS, transform=transform, compress="deflate",
    ) as dst:  # fmt: skip
        dst.write(classes, 1)
        dst.update_tags(
            SYNTHETIC="yes",
            DESCRIPTION="SYNTHETIC landslide susceptibility for the quantrac demo; not real data",
            CLASSES="1 very low, 2 low, 3 medium, 4 high, 5 very high",
        )
    return path


def flood_zones(path: Path) -> Path:
    """SYNTHETIC flood zones along the Kỳ Cùng around Lạng Sơn city, as a GeoPackage in
    EPSG:9215 with a ``level`` field: rings of buffers around the centreline."""
    to_grid = transformer("EPSG:4326", GRID_CRS)
    river = shapely.LineString([to_grid.transform(lon, lat) for lon, lat in KY_CUNG])
    rows, inner = [], shapely.Polygon()
    for level, dist in sorted(FLOOD_BUFFERS_M.items(), reverse=True):
        band = river.buffer(dist)
        rows.append(
            {
                "level": level,
                "name": f"Vùng ngập sông Kỳ Cùng cấp {level} (giả lập / synthetic)",
                "synthetic": "yes",
                "geometry": band.difference(inner),
            }
        )
        inner = band
    gpd.GeoDataFrame(rows, crs=GRID_CRS).to_file(path, driver="GPKG", layer="flood_zones")
    return path
