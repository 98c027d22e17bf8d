"""XYZ PNG tiles (Web Mercator) of the hazard level rasters, with rio-tiler and an LRU cache.

The stored rasters hold levels 1..5 (0 = no data), so a tile is read with nearest resampling and
painted with the class colour table; pixels outside the raster are transparent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from rio_tiler.errors import TileOutsideBounds
from rio_tiler.io import Reader

from layers.errors import BadQuery
from layers.rasters import colour_table

TILE_SIZE = 256
MAX_ZOOM = 18


def _empty_png() -> bytes:
    import numpy as np
    from rio_tiler.utils import render

    return render(
        np.zeros((1, TILE_SIZE, TILE_SIZE), dtype="uint8"),
        np.zeros((TILE_SIZE, TILE_SIZE), dtype="uint8"),
        img_format="PNG",
    )


EMPTY_TILE = _empty_png()


def check_tile(z: int, x: int, y: int) -> None:
    """400 for a tile address that cannot exist."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadQuery(f"z phải trong 0..{MAX_ZOOM} / zoom must be 0..{MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise BadQuery(f"x, y phải trong 0..{2**z - 1} ở z={z} / x and y must be 0..{2**z - 1}")


def render_tile(path: Path, z: int, x: int, y: int) -> bytes:
    """One 256×256 PNG tile of a level raster."""
    check_tile(z, x, y)
    with Reader(str(path)) as src:
        if not src.tile_exists(x, y, z):
            return EMPTY_TILE
        try:
            img = src.tile(x, y, z, tilesize=TILE_SIZE, resampling_method="nearest")
        except TileOutsideBounds:
            return EMPTY_TILE
    return img.render(img_format="PNG", colormap=colour_table())


class TileCache:
    """A bounded LRU of rendered tiles keyed by (raster, version, z, x, y); thread-safe."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple[object, ...], path: Path, z: int, x: int, y: int) -> bytes:
        """The cached tile, rendering it on a miss."""
        with self._lock:
            tile = self._tiles.get(key)
            if tile is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
                return tile
        tile = render_tile(path, z, x, y)
        with self._lock:
            self.misses += 1
            self._tiles[key] = tile
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return tile
