"""Our caching basemap tile proxy: the browser asks us, we ask the upstream XYZ service once.

Respects the upstream's usage policy (e.g. the OpenStreetMap tile policy): an identifying
User-Agent, a disk cache with an expiry, tiles fetched only when a map asks for them (no bulk
prefetch), and only inside the province's box at the configured zooms. When the upstream is
unreachable a cached tile is served even past its expiry; a tile never fetched answers 404
quickly and the map keeps its province and commune outlines.
"""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

PNG_MAGIC = b"\x89PNG"
JPEG_MAGIC = b"\xff\xd8"
MAX_TILE_BYTES = 2_000_000


class TileUnavailable(Exception):
    """No fresh or stale copy and the upstream did not give one."""


@dataclass(frozen=True, slots=True)
class TileBox:
    """The lon/lat box and zooms the proxy serves."""

    lon_min: float
    lat_min: float
    lon_max: float
    lat_max: float
    min_zoom: int
    max_zoom: int

    def covers(self, z: int, x: int, y: int) -> bool:
        """True when tile (z, x, y) is inside the zooms and touches the box."""
        if not self.min_zoom <= z <= self.max_zoom or not (0 <= x < 2**z and 0 <= y < 2**z):
            return False
        n = 2**z
        west, east = x / n * 360 - 180, (x + 1) / n * 360 - 180
        north = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))
        south = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 1) / n))))
        return (
            east >= self.lon_min
            and west <= self.lon_max
            and north >= self.lat_min
            and south <= self.lat_max
        )


class TileProxy:
    """Disk-cached tiles under ``cache_dir/z/x/y``."""

    def __init__(
        self,
        upstream: str,
        cache_dir: Path,
        box: TileBox,
        *,
        user_agent: str,
        max_age_s: int,
        timeout: float = 5.0,
    ) -> None:
        self.upstream = upstream
        self.cache_dir = cache_dir
        self.box = box
        self.max_age_s = max_age_s
        self._user_agent, self._timeout = user_agent, timeout
        self._client: httpx.Client | None = None
        self._locks: dict[tuple[int, int, int], threading.Lock] = {}
        self._guard = threading.Lock()
        self.fetched = 0  # upstream requests made (tests count them)

    @property
    def client(self) -> httpx.Client:
        """The upstream HTTP client, made at the first fetch. The proxy is built with the public
        state, which the after-ingest chain builds too (its snapshot step): a process that never
        fetches a tile then does not pay for a TLS context (20 ms, the system's CA file read and
        parsed; seen in the live-polling bench, bench/README.md)."""
        with self._guard:
            if self._client is None:
                self._client = httpx.Client(
                    headers={"User-Agent": self._user_agent},
                    timeout=self._timeout,
                    follow_redirects=True,
                )
            return self._client

    def _path(self, z: int, x: int, y: int) -> Path:
        return self.cache_dir / str(z) / str(x) / f"{y}.tile"

    def _lock(self, key: tuple[int, int, int]) -> threading.Lock:
        with self._guard:
            if len(self._locks) > 4096:
                self._locks.clear()
            return self._locks.setdefault(key, threading.Lock())

    def tile(self, z: int, x: int, y: int) -> tuple[bytes, str]:
        """``(bytes, media type)`` of a tile; TileUnavailable when there is none."""
        path = self._path(z, x, y)
        with self._lock((z, x, y)):  # one upstream request per tile, however many ask
            cached = path.read_bytes() if path.exists() else None
            if cached is not None and time.time() - path.stat().st_mtime < self.max_age_s:
                return cached, _media(cached)
            try:
                fresh = self._fetch(z, x, y)
            except TileUnavailable:
                if cached is not None:  # upstream down: the old copy beats a hole
                    return cached, _media(cached)
                raise
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
            tmp.write_bytes(fresh)
            os.replace(tmp, path)
            return fresh, _media(fresh)

    def _fetch(self, z: int, x: int, y: int) -> bytes:
        url = self.upstream.format(z=z, x=x, y=y, s="a")
        self.fetched += 1
        try:
            response = self.client.get(url)
        except httpx.HTTPError as exc:
            raise TileUnavailable(f"{url}: {exc}") from exc
        body = response.content
        if response.status_code != 200 or not body.startswith((PNG_MAGIC, JPEG_MAGIC)):
            raise TileUnavailable(f"{url}: HTTP {response.status_code}")
        if len(body) > MAX_TILE_BYTES:
            raise TileUnavailable(f"{url}: tile larger than {MAX_TILE_BYTES} bytes")
        return body


def _media(body: bytes) -> str:
    return "image/png" if body.startswith(PNG_MAGIC) else "image/jpeg"
