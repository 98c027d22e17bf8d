"""XYZ PNG tiles (Web Mercator) of the hazard level rasters, with an LRU cache bounded by bytes.

The stored rasters hold levels 1..5 (0 = no data) in their own CRS (often VN-2000). A tile is
sampled with nearest neighbour, like a GDAL warp with nearest resampling: the centres of a
17×17 grid of the tile's pixels are projected to the raster's CRS once per tile, the other
pixel centres are interpolated bilinearly between them (GDAL's approximate transformer does the
same; the error is far below a pixel), and the pixels are looked up in the finest overview that
is no coarser than the tile. The result is written as a paletted PNG with the class colour table
(``tRNS`` makes no data and anything outside the raster transparent).

Each raster is opened once per process (:class:`RasterTiles`): its bounds in Web Mercator, its
overview grids and a small pool of open dataset handles are kept, so a tile costs one small
windowed read, a little numpy and zlib, and no per-request warp or transformer setup.
"""

from __future__ import annotations

import hashlib
import math
import struct
import threading
import zlib
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from pyproj import Transformer
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from layers.byte_lru import ByteLRU
from layers.errors import BadQuery
from layers.rasters import colour_table

TILE_SIZE = 256
MAX_ZOOM = 18
_ORIGIN = math.pi * 6378137.0  # half the Web Mercator world width, metres
_GRID = 17  # projected sample points per tile side (every 16 pixels, both edges included)


def _interpolation_weights(size: int = TILE_SIZE, grid: int = _GRID) -> tuple[Any, Any]:
    """Lower coarse index and fraction of each pixel position in ``linspace(0, size - 1, grid)``."""
    t = np.arange(size) * (grid - 1) / (size - 1)
    k = np.minimum(t.astype(int), grid - 2)
    return k, t - k


_K, _F = _interpolation_weights()


def _upsample(coarse: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of a grid×grid array to size×size (elementwise; BLAS-free)."""
    f = _F[:, None]
    rows = coarse[_K] * (1 - f) + coarse[_K + 1] * f  # size × grid
    return rows[:, _K] * (1 - _F) + rows[:, _K + 1] * _F


_COARSE = np.linspace(0, TILE_SIZE - 1, _GRID) + 0.5  # pixel-centre offsets of the coarse grid


def encode_png(indices: np.ndarray, table: dict[int, tuple[int, int, int, int]]) -> bytes:
    """A paletted (8-bit, colour type 3) PNG of ``indices`` with ``table`` as RGBA palette."""
    top = max(table) + 1
    palette = bytearray(3 * top)
    alpha = bytearray(top)
    for value, (r, g, b, a) in table.items():
        palette[3 * value : 3 * value + 3] = bytes((r, g, b))
        alpha[value] = a
    height, width = indices.shape
    raw = np.zeros((height, width + 1), dtype=np.uint8)  # filter byte 0 (None) on every row
    raw[:, 1:] = indices

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
            chunk(b"PLTE", bytes(palette)),
            chunk(b"tRNS", bytes(alpha)),
            chunk(b"IDAT", zlib.compress(raw.tobytes(), 6)),
            chunk(b"IEND", b""),
        )
    )


def _palette() -> dict[int, tuple[int, int, int, int]]:
    return colour_table()


EMPTY_TILE = encode_png(np.zeros((TILE_SIZE, TILE_SIZE), dtype=np.uint8), _palette())


def check_tile(z: int, x: int, y: int) -> None:
    """400 for a tile address that cannot exist."""
    if not 0 <= z <= MAX_ZOOM:
        raise BadQuery(f"z phải trong 0..{MAX_ZOOM} / zoom must be 0..{MAX_ZOOM}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise BadQuery(f"x, y phải trong 0..{2**z - 1} ở z={z} / x and y must be 0..{2**z - 1}")


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of a tile in Web Mercator metres."""
    size = 2 * _ORIGIN / 2**z
    minx, maxy = -_ORIGIN + x * size, _ORIGIN - y * size
    return (minx, maxy - size, minx + size, maxy)


class RasterTiles:
    """One level raster opened for tiling; thread-safe (handles are pooled, never shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with rasterio.open(path) as src:
            crs, transform = src.crs, src.transform
            width, height = src.width, src.height
            factors = src.overviews(1)
            self.nodata = int(src.nodata or 0)
            self.mercator_bounds = transform_bounds(crs, "EPSG:3857", *src.bounds, densify_pts=21)
        # Level -1 is full resolution; level i is the i-th overview (as GDAL numbers them).
        self.levels: list[tuple[int, Affine, int, int]] = [(-1, transform, width, height)]
        for i, f in enumerate(factors):
            w, h = math.ceil(width / f), math.ceil(height / f)
            self.levels.append((i, transform * Affine.scale(width / w, height / h), w, h))
        self.pixel = math.hypot(transform.a, transform.d)
        self._crs = crs
        self._local = threading.local()
        self._pools: dict[int, SimpleQueue[Any]] = {lv[0]: SimpleQueue() for lv in self.levels}
        self._open: list[Any] = []
        self._lock = threading.Lock()

    def _to_source(self) -> Transformer:
        tr = getattr(self._local, "transformer", None)
        if tr is None:
            tr = self._local.transformer = Transformer.from_crs(
                "EPSG:3857", self._crs, always_xy=True
            )
        return tr  # type: ignore[no-any-return]

    def _read(self, level: int, window: Window) -> np.ndarray:
        pool = self._pools[level]
        try:
            src = pool.get_nowait()
        except Empty:
            kwargs = {} if level < 0 else {"overview_level": level}
            src = rasterio.open(self.path, **kwargs)
            with self._lock:
                self._open.append(src)
        try:
            return src.read(1, window=window)  # type: ignore[no-any-return]
        finally:
            pool.put(src)

    def close(self) -> None:
        """Close every pooled handle (the object must not be used afterwards)."""
        with self._lock:
            for src in self._open:
                src.close()
            self._open = []

    def indices(self, z: int, x: int, y: int) -> np.ndarray | None:
        """The tile's level grid (uint8, 0 = no data), or None when it misses the raster."""
        minx, miny, maxx, maxy = tile_bounds(z, x, y)
        bx0, by0, bx1, by1 = self.mercator_bounds
        if minx >= bx1 or maxx <= bx0 or miny >= by1 or maxy <= by0:
            return None
        res = (maxx - minx) / TILE_SIZE
        gx, gy = np.meshgrid(minx + _COARSE * res, maxy - _COARSE * res)
        sx, sy = self._to_source().transform(gx, gy)
        sx, sy = np.asarray(sx), np.asarray(sy)
        if not (np.isfinite(sx).all() and np.isfinite(sy).all()):
            return None
        # Source units per tile pixel, then the coarsest level still at least that fine.
        step = math.hypot(sx[0, -1] - sx[0, 0], sy[0, -1] - sy[0, 0]) / (TILE_SIZE - 1)
        level, transform, width, height = self.levels[0]
        for candidate in self.levels[1:]:
            if math.hypot(candidate[1].a, candidate[1].d) <= step:
                level, transform, width, height = candidate
        fx, fy = _upsample(sx), _upsample(sy)
        inv = ~transform
        cols = np.floor(inv.a * fx + inv.b * fy + inv.c).astype(np.int64)
        rows = np.floor(inv.d * fx + inv.e * fy + inv.f).astype(np.int64)
        inside = (cols >= 0) & (cols < width) & (rows >= 0) & (rows < height)
        if not inside.any():
            return None
        c0, c1 = int(cols[inside].min()), int(cols[inside].max())
        r0, r1 = int(rows[inside].min()), int(rows[inside].max())
        data = self._read(level, Window(c0, r0, c1 - c0 + 1, r1 - r0 + 1))
        out = np.zeros((TILE_SIZE, TILE_SIZE), dtype=np.uint8)
        out[inside] = data[rows[inside] - r0, cols[inside] - c0]
        if self.nodata:
            out[out == self.nodata] = 0
        return out

    def render(self, z: int, x: int, y: int) -> bytes:
        """One 256×256 PNG tile; the transparent tile outside the raster."""
        check_tile(z, x, y)
        grid = self.indices(z, x, y)
        if grid is None or not grid.any():
            return EMPTY_TILE
        return encode_png(grid, _palette())


def render_tile(path: Path, z: int, x: int, y: int) -> bytes:
    """One 256×256 PNG tile of a level raster (opens the raster; see :class:`TileCache`)."""
    tiles = RasterTiles(path)
    try:
        return tiles.render(z, x, y)
    finally:
        tiles.close()


def etag_of(png: bytes) -> str:
    """A strong ETag for a tile's bytes (so a 304 holds across restarts and workers)."""
    return '"' + hashlib.blake2b(png, digest_size=10).hexdigest() + '"'


TILE_CACHE_BYTES = 64 * 1024 * 1024
"""Per process: a detailed 256×256 paletted tile is a few kB, the empty tile 100 bytes."""
MAX_TILE_BYTES = 1024 * 1024


class TileCache:
    """Rendered tiles (bytes and ETag) keyed by (raster, version, z, x, y) in an LRU bounded by
    bytes (:class:`layers.byte_lru.ByteLRU`), and the open rasters by (path, version);
    thread-safe.

    A lookup (:meth:`cached_entry`) does no I/O and holds the lock for a dict access only, so the
    tile route answers a hit on the event loop; rendering (:meth:`render`) belongs in a thread.
    """

    def __init__(self, max_bytes: int = TILE_CACHE_BYTES) -> None:
        self._tiles: ByteLRU[str] = ByteLRU(max_bytes, MAX_TILE_BYTES)
        self._rasters: dict[Path, tuple[object, RasterTiles]] = {}
        self._lock = threading.Lock()

    @property
    def hits(self) -> int:
        return self._tiles.hits

    @property
    def misses(self) -> int:
        return self._tiles.misses

    @property
    def size_bytes(self) -> int:
        return self._tiles.size_bytes

    def __len__(self) -> int:
        return len(self._tiles)

    def cached_entry(self, key: tuple[object, ...]) -> tuple[bytes, str] | None:
        """The cached (tile, ETag), or None (counted as a miss: the caller renders it)."""
        return self._tiles.get(key)

    def cached(self, key: tuple[object, ...]) -> bytes | None:
        """The cached tile, or None."""
        entry = self.cached_entry(key)
        return None if entry is None else entry[0]

    def raster(self, path: Path, version: object) -> RasterTiles:
        """The open raster at ``path`` for this version (reopened when the version changes)."""
        with self._lock:
            entry = self._rasters.get(path)
            if entry is not None and entry[0] == version:
                return entry[1]
        opened = RasterTiles(path)
        with self._lock:
            entry = self._rasters.get(path)
            if entry is not None and entry[0] == version:
                opened.close()
                return entry[1]
            self._rasters[path] = (version, opened)
        # A replaced raster's handles are left to the garbage collector: a request may still
        # be reading through them.
        return opened

    def render_entry(
        self, key: tuple[object, ...], path: Path, version: object, z: int, x: int, y: int
    ) -> tuple[bytes, str]:
        """Render a tile (after a miss), keep it and return it with its ETag."""
        tile = self.raster(path, version).render(z, x, y)
        etag = etag_of(tile)
        self._tiles.put(key, tile, etag)
        return tile, etag

    def render(
        self, key: tuple[object, ...], path: Path, version: object, z: int, x: int, y: int
    ) -> bytes:
        """Render a tile (after a miss) and keep it."""
        return self.render_entry(key, path, version, z, x, y)[0]

    def get(self, key: tuple[object, ...], path: Path, z: int, x: int, y: int) -> bytes:
        """The cached tile, rendering it on a miss (``key[1]`` is the raster's version)."""
        tile = self.cached(key)
        if tile is None:
            tile = self.render(key, path, key[1] if len(key) > 1 else None, z, x, y)
        return tile
