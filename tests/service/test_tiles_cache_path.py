"""The tile route's fast path: a cache hit is answered without rendering and without a worker
thread; ETag / If-None-Match gives 304; a raster never seen before renders its own pixels."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from rasterio.crs import CRS
from rasterio.transform import from_origin
from sqlalchemy import insert, select

from layers.rasters import colour_table, write_level_raster
from layers.store import zone_sources
from layers.tiles import RasterTiles, TileCache, tile_bounds
from service.web.routes import layers as layer_routes
from tests.layers.conftest import load_demo_layers

TILE = "/tiles/demo-landslide/10/815/449.png"  # over Lạng Sơn city


@pytest.fixture
def api(client: Any, engine: Any, settings: Any, tmp_path: Path) -> Any:
    load_demo_layers(engine, settings.data_dir, tmp_path)
    return client


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of thread hops made by the tile route and of tiles rendered."""
    counts = {"hops": 0, "renders": 0}
    hop, render = layer_routes._in_thread, RasterTiles.render

    async def counting_hop(*args: Any, **kwargs: Any) -> Any:
        counts["hops"] += 1
        return await hop(*args, **kwargs)

    def counting_render(self: RasterTiles, z: int, x: int, y: int) -> bytes:
        counts["renders"] += 1
        return render(self, z, x, y)

    monkeypatch.setattr(layer_routes, "_in_thread", counting_hop)
    monkeypatch.setattr(RasterTiles, "render", counting_render)
    # The source row is re-checked (in a thread) once a second; keep it current for the test.
    monkeypatch.setattr(layer_routes, "_SOURCE_TTL", 3600.0)
    return counts


def _rgba(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGBA"))


def test_a_cache_hit_neither_renders_nor_leaves_the_event_loop(
    api: Any, counted: dict[str, int]
) -> None:
    first = api.get(TILE)
    assert first.status_code == 200 and counted == {"hops": 1, "renders": 1}
    for _ in range(3):
        again = api.get(TILE)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
    assert counted == {"hops": 1, "renders": 1}
    assert api.app.state.ctx.tiles.hits == 3


def test_matching_etag_gets_304_and_others_the_tile(api: Any, counted: dict[str, int]) -> None:
    first = api.get(TILE)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "public, max-age=300"
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response = api.get(TILE, headers={"If-None-Match": header})
        assert response.status_code == 304 and response.content == b"", header
        assert response.headers["etag"] == etag
    other = api.get(TILE, headers={"If-None-Match": '"not-this-tile"'})
    assert other.status_code == 200 and other.content == first.content
    # The ETag comes from the bytes: a fresh cache (another worker, a restart) agrees with it.
    api.app.state.ctx.tiles = TileCache()
    assert api.get(TILE, headers={"If-None-Match": etag}).status_code == 304
    assert counted["renders"] == 2


def _register(engine: Any, data_dir: Path, source_id: str, levels: np.ndarray) -> None:
    """A new level raster in Web Mercator exactly covering tile z10/815/449, 256×256 pixels."""
    minx, _miny, maxx, maxy = tile_bounds(10, 815, 449)
    res = (maxx - minx) / 256
    path = data_dir / "rasters" / f"{source_id}.tif"
    profile = {"crs": CRS.from_epsg(3857), "transform": from_origin(minx, maxy, res, res)}
    write_level_raster(path, levels, profile)
    with engine.begin() as conn:
        row = dict(
            conn.execute(select(zone_sources).where(zone_sources.c.id == "demo-landslide"))
            .mappings()
            .one()
        )
        row.update(id=source_id, raster_path=f"rasters/{source_id}.tif", imported_at=12345)
        conn.execute(insert(zone_sources).values(row))


def test_a_raster_never_seen_renders_its_own_pixels(
    api: Any, engine: Any, settings: Any, counted: dict[str, int]
) -> None:
    halves = np.zeros((256, 256), dtype=np.uint8)
    halves[:, :128], halves[:, 128:] = 2, 5
    bands = np.zeros((256, 256), dtype=np.uint8)
    bands[:64], bands[64:] = 1, 4
    bands[200:, 200:] = 0  # no data stays transparent
    _register(engine, settings.data_dir, "cold-halves", halves)
    _register(engine, settings.data_dir, "cold-bands", bands)
    table = colour_table()
    for source_id, levels in (("cold-halves", halves), ("cold-bands", bands)):
        response = api.get(f"/tiles/{source_id}/10/815/449.png")
        assert response.status_code == 200
        expected = np.array([table[int(v)] for v in levels.ravel()], dtype=np.uint8)
        assert (_rgba(response.content) == expected.reshape(256, 256, 4)).all(), source_id
    assert counted == {"hops": 2, "renders": 2}
