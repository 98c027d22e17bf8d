"""Hazard raster tiles: class colours inside, transparent outside, cache, clear errors."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from layers.levels import LEVELS
from tests.layers.conftest import load_demo_layers


@pytest.fixture
def api(client: Any, engine: Any, settings: Any, tmp_path: Path) -> Any:
    load_demo_layers(engine, settings.data_dir, tmp_path)
    return client


def _pixels(content: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGBA"))


def test_tiles_use_class_colours_and_are_cached(api: Any) -> None:
    # z=10 tile over Lạng Sơn city.
    response = api.get("/tiles/demo-landslide/10/815/449.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    rgba = _pixels(response.content)
    opaque = {tuple(int(c) for c in px[:3]) for px in rgba.reshape(-1, 4) if px[3] == 255}
    palette = {tuple(int(LEVELS[i].colour[k : k + 2], 16) for k in (1, 3, 5)) for i in LEVELS}
    assert opaque and opaque <= palette
    cache = api.app.state.ctx.tiles
    api.get("/tiles/demo-landslide/10/815/449.png")
    assert cache.hits == 1
    outside = _pixels(api.get("/tiles/demo-landslide/10/0/0.png").content)
    assert outside[..., 3].max() == 0


BAD_TILES = [
    ("/tiles/demo-landslide/3/8/0.png", 400),  # x out of range at z=3
    ("/tiles/demo-landslide/25/0/0.png", 400),  # deeper than z=18
    ("/tiles/demo-flood/3/6/3.png", 404),  # a vector source has no raster
    ("/tiles/nope/3/6/3.png", 404),
]


def test_bad_tile_requests(api: Any) -> None:
    for url, status in BAD_TILES:
        response = api.get(url)
        assert response.status_code == status and response.json()["detail"], url
