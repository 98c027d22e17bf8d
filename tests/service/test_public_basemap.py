"""The basemap tile proxy with a local HTTP server standing in for the upstream: tiles are
fetched once with an identifying User-Agent, cached on disk, refused outside the province and
zooms (no bulk fetching through us), and still served after the upstream stops."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.settings import Settings
from service.web.app import create_app
from tests.service.public_server import Upstream, tile_png


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    u = Upstream()
    yield u
    u.stop()


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_tiles_are_proxied_cached_bounded_and_survive_the_upstream(
    tmp_path: Any, upstream: Upstream
) -> None:
    s = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        scheduler_enabled=False,
        auth_enabled=True,  # no login needed: the portal and the staff map share the proxy
        basemap_url=upstream.url,
    )
    x, y = _tile(106.76, 21.85, 12)  # Lạng Sơn city
    other = _tile(106.76, 21.85, 13)
    with TestClient(create_app(s, scheduler=False)) as c:
        first = c.get(f"/public/basemap/12/{x}/{y}.png")
        assert first.status_code == 200 and first.headers["content-type"] == "image/png"
        assert first.content == tile_png(f"/12/{x}/{y}.png")
        assert c.get(f"/public/basemap/12/{x}/{y}.png").content == first.content
        assert upstream.paths == [f"/12/{x}/{y}.png"]  # one upstream request, then the cache
        assert upstream.agents[0].startswith("quantrac/")
        # Outside the province, below or above the zooms: refused without asking upstream.
        for z, tx, ty in ((12, 0, 0), (3, 6, 3), (19, *_tile(106.76, 21.85, 19))):
            assert c.get(f"/public/basemap/{z}/{tx}/{ty}.png").status_code == 404
        assert len(upstream.paths) == 1
        # The cached copy expired and the upstream is gone: the old tile still shows.
        cached = next((s.data_dir / "basemap-cache").rglob("*.tile"))
        os.utime(cached, (1, 1))
        upstream.stop()
        assert c.get(f"/public/basemap/12/{x}/{y}.png").content == first.content
        # A tile never visited has no copy: a quick 404, the map keeps its outlines.
        missing = c.get(f"/public/basemap/13/{other[0]}/{other[1]}.png")
        assert missing.status_code == 404 and "unavailable" in missing.json()["detail"]


def test_staff_map_uses_the_proxy_and_allows_no_tile_host(tmp_path: Any) -> None:
    s = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "d",
        scheduler_enabled=False,
        auth_enabled=False,
    )
    with TestClient(create_app(s, scheduler=False)) as c:
        page = c.get("/map")
        assert "/public/basemap/{z}/{x}/{y}.png" in page.text
        assert "tile.openstreetmap.org" not in page.text
        assert "openstreetmap" not in page.headers["content-security-policy"]


def test_the_upstream_client_is_made_at_the_first_fetch(tmp_path: Any, upstream: Upstream) -> None:
    """Building the proxy (the public state, which the after-ingest chain builds too) makes no
    HTTP client and so no TLS context; the first tile fetched makes one, kept for the next."""
    from service.public.basemap import TileBox, TileProxy

    proxy = TileProxy(
        upstream.url, tmp_path / "cache", TileBox(106.0, 21.3, 107.4, 22.5, 8, 16),
        user_agent="quantrac/test", max_age_s=60,
    )  # fmt: skip
    assert proxy._client is None
    x, y = _tile(106.76, 21.85, 12)
    body, media = proxy.tile(12, x, y)
    assert media == "image/png" and body == tile_png(f"/12/{x}/{y}.png")
    made = proxy._client
    assert made is not None and proxy.client is made
    assert upstream.agents == ["quantrac/test"]
