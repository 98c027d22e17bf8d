"""Fixtures of the layers tests: demo sites and zones in a database, files built in code."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine

from layers.communes import load_province_outline
from layers.zones import import_zones
from service.bootstrap import import_points, import_stations
from service.demo.synthetic_zones import flood_zones, landslide_raster

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "stations" / "demo"
NOW = 1_790_000_000


def load_demo_layers(engine: Engine, data_dir: Path, tmp: Path, pixel_m: float = 1000) -> None:
    """Demo stations and points, the province outline, synthetic landslide raster and floods
    (the raster coarser than the demo's by default, to keep tests fast)."""
    import_stations(engine, DEMO / "stations.yaml")
    import_points(engine, DEMO / "points.csv")
    load_province_outline(engine, NOW)
    import_zones(
        engine,
        landslide_raster(tmp / "ls.tif", pixel_m=pixel_m),
        hazard="landslide",
        data_dir=data_dir,
        now=NOW,
        source_id="demo-landslide",
        synthetic=True,
    )
    import_zones(
        engine,
        flood_zones(tmp / "flood.gpkg"),
        hazard="flood",
        data_dir=data_dir,
        now=NOW,
        source_id="demo-flood",
        synthetic=True,
        valid_from=NOW,
    )


def square(lon: float, lat: float, size: float = 0.02) -> shapely.Polygon:
    """A small square polygon (degrees) with its south-west corner at (lon, lat)."""
    return shapely.box(lon, lat, lon + size, lat + size)


@pytest.fixture
def zone_frame() -> gpd.GeoDataFrame:
    """Three valid zones near Lạng Sơn city, with Vietnamese names and a ``muc`` level field."""
    return gpd.GeoDataFrame(
        {
            "ten": ["Khu Tam Thanh", "Khu Đông Kinh", "Khu Hoàng Đồng"],
            "muc": ["rất cao", "Trung bình", "thấp"],
        },
        geometry=[square(106.75, 21.84), square(106.78, 21.86), square(106.72, 21.88)],
        crs="EPSG:4326",
    )
