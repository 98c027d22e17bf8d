"""Tile rendering: nearest sampling agrees with rio-tiler's warp; paletted PNG; reopening."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rio_tiler.io import Reader

from layers.rasters import colour_table
from layers.tiles import EMPTY_TILE, RasterTiles, TileCache, encode_png
from layers.zones import import_zones
from service.bootstrap import prepare_database
from service.demo.synthetic_zones import landslide_raster
from service.settings import Settings


def _tile(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return (z, int((lon + 180) / 360 * n), int(y))


# Tiles z8..z13 over Lạng Sơn city, the north-west and the east of the province.
TILES = [
    _tile(lon, lat, z)
    for z in (8, 10, 13)
    for lon, lat in ((106.76, 21.85), (106.3, 22.2), (107.1, 21.7))
]


@pytest.fixture(scope="module")
def level_raster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tiles")
    settings = Settings(_env_file=None, data_dir=tmp / "data")  # type: ignore[call-arg]
    engine = prepare_database(settings)
    import_zones(
        engine,
        landslide_raster(tmp / "ls.tif", pixel_m=250),
        hazard="landslide",
        data_dir=settings.data_dir,
        now=0,
        source_id="t-landslide",
        synthetic=True,
    )
    engine.dispose()
    return settings.data_dir / "rasters" / "t-landslide.tif"


def test_nearest_sampling_matches_rio_tiler(level_raster: Path) -> None:
    tiles = RasterTiles(level_raster)
    with Reader(str(level_raster)) as src:
        for z, x, y in TILES:
            img = src.tile(x, y, z, tilesize=256, resampling_method="nearest")
            expected = np.where(img.mask > 0, img.data[0], 0)
            got = tiles.indices(z, x, y)
            assert got is not None and got.any(), (z, x, y)
            # Same classes; at most a few boundary pixels differ (approximate transformer).
            assert (got == expected).mean() > 0.995, (z, x, y)
    assert tiles.indices(10, 0, 0) is None
    tiles.close()


def test_png_is_paletted_with_class_colours() -> None:
    grid = np.zeros((256, 256), dtype=np.uint8)
    grid[:128] = 3
    grid[128:, :64] = 5
    rgba = np.asarray(Image.open(io.BytesIO(encode_png(grid, colour_table()))).convert("RGBA"))
    table = colour_table()
    assert tuple(rgba[0, 0]) == table[3] and tuple(rgba[200, 10]) == table[5]
    assert rgba[200, 200, 3] == 0
    empty = np.asarray(Image.open(io.BytesIO(EMPTY_TILE)).convert("RGBA"))
    assert empty.shape == (256, 256, 4) and empty[..., 3].max() == 0


def test_cache_reopens_a_raster_when_its_version_changes(level_raster: Path) -> None:
    cache = TileCache()
    first = cache.raster(level_raster, 1)
    assert cache.raster(level_raster, 1) is first
    assert cache.raster(level_raster, 2) is not first
    z, x, y = TILES[0]
    png = cache.get(("r", 2, z, x, y), level_raster, z, x, y)
    assert cache.get(("r", 2, z, x, y), level_raster, z, x, y) == png
    assert (cache.hits, cache.misses) == (1, 1)


def test_cache_memory_is_bounded_by_bytes(level_raster: Path) -> None:
    tiles = RasterTiles(level_raster)
    pngs = [tiles.render(z, x, y) for z, x, y in TILES]
    tiles.close()
    assert len(pngs) >= 3 and all(len(p) > len(EMPTY_TILE) for p in pngs)
    bound = len(pngs[-1]) + len(pngs[-2])  # room for the last two, not for a third
    cache = TileCache(max_bytes=bound)
    for z, x, y in TILES:
        cache.get(("r", 1, z, x, y), level_raster, z, x, y)
    assert cache.size_bytes <= bound and len(cache) == 2
    z, x, y = TILES[-1]
    assert cache.cached(("r", 1, z, x, y)) == pngs[-1]  # the most recent is kept
    z, x, y = TILES[0]
    assert cache.cached(("r", 1, z, x, y)) is None  # the least recent left
