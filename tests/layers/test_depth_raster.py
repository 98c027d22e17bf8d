"""A flood-depth raster classed with ``--level-map breaks:…``: dry land is no zone.

Issue 21: with the old four breaks, depth 0 fell in level 1 and the whole extent became a
"very low" flood zone. The five breaks are the lower bounds of levels 1..5; below the first,
the pixel is outside every zone (kept as nodata in the class raster).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import Engine, select

from layers.levels import parse_level_map
from layers.store import zones
from layers.zones import import_zones

from .conftest import NOW

BREAKS = "breaks:0.01,0.5,1,2,3"  # an example, as docs/layers.md: the Sở sets its own


def _depth_raster(path: Path) -> Path:
    """6 × 6 pixels of 0.01° near Lạng Sơn city: dry (0 m) left half, 0.2 m and 2.5 m right."""
    depth = np.zeros((6, 6), dtype="float32")
    depth[:3, 3:] = 0.2  # level 1
    depth[3:, 3:] = 2.5  # level 4
    with rasterio.open(
        path, "w", driver="GTiff", width=6, height=6, count=1, dtype="float32", nodata=-9999,
        crs="EPSG:4326", transform=from_origin(106.70, 21.90, 0.01, 0.01),
    ) as dst:  # fmt: skip
        dst.write(depth, 1)
    return path


def test_dry_land_is_no_flood_zone(engine: Engine, tmp_path: Path) -> None:
    tif = _depth_raster(tmp_path / "depth.tif")
    report = import_zones(
        engine,
        tif,
        hazard="flood",
        data_dir=tmp_path / "d",
        now=NOW,
        source_id="depth",
        level_map=parse_level_map(BREAKS),
    )
    assert report.zones_by_level == {1: 1, 4: 1}
    with rasterio.open(tmp_path / "d" / "rasters" / "depth.tif") as src:
        levels = src.read(1)
    assert (levels[:, :3] == 0).all()  # the dry half is nodata, not level 1
    assert set(np.unique(levels[:, 3:])) == {1, 4}
    with engine.connect() as conn:
        stored = sorted(conn.execute(select(zones.c.level)).scalars())
    assert stored == [1, 4]
