"""OGC API - Features Part 3: CQL2-text filters on items (what QGIS sends for "wqi < 50"),
checked against the same selection made in Python over the unfiltered layer."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from tests.layers.conftest import load_demo_layers


@pytest.fixture
def api(client: Any, engine: Any, settings: Any, tmp_path: Any) -> Any:
    """The demo layers with the demo's laboratory rounds, so points carry a VN_WQI."""
    from rich.console import Console

    from service.demo import programme as demo_programme

    load_demo_layers(engine, settings.data_dir, tmp_path)
    demo_programme.run(settings, engine, Console(quiet=True), 0.2)
    return client


POINTS = "/ogc/collections/monitoring-points/items"
AREA = "POLYGON((106.70 21.80, 106.80 21.80, 106.80 21.90, 106.70 21.90, 106.70 21.80))"


def _all(api: Any) -> list[dict[str, Any]]:
    return api.get(POINTS, params={"limit": 10000}).json()["features"]


def _ids(api: Any, cql: str) -> set[str]:
    res = api.get(POINTS, params={"filter": cql, "filter-lang": "cql2-text", "limit": 10000})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["numberMatched"] == len(body["features"])
    return {f["id"] for f in body["features"]}


def _p(f: dict[str, Any], name: str) -> Any:
    return f["properties"].get(name)


CASES = [
    ("wqi < 50", lambda f: _p(f, "wqi") is not None and _p(f, "wqi") < 50),
    (
        "medium = 'groundwater' OR wqi >= 91",
        lambda f: _p(f, "medium") == "groundwater" or (_p(f, "wqi") or 0) >= 91,
    ),
    (
        "medium = 'surface_water' AND NOT (wqi > 75)",
        lambda f: _p(f, "medium") == "surface_water" and not ((_p(f, "wqi") or 0) > 75),
    ),
    ("wqi IS NULL", lambda f: _p(f, "wqi") is None),
    ("name LIKE 'Nước mặt%'", lambda f: str(_p(f, "name")).startswith("Nước mặt")),
    (
        f"S_INTERSECTS(geometry, {AREA})",
        lambda f: shapely.from_wkt(AREA).intersects(shape(f["geometry"])),
    ),
]


def test_filters_select_what_python_selects(api: Any) -> None:
    features = _all(api)
    for cql, expected in CASES:
        want = {f["id"] for f in features if expected(f)}
        assert 0 < len(want) < len(features), f"{cql}: the case must select some, not all"
        assert _ids(api, cql) == want, cql


BAD = [
    ({"filter": "owner = 'x'"}, "unknown property 'owner'"),
    ({"filter": "wqi <<< 5"}, "syntax error"),
    ({"filter": "wqi < 5", "filter-lang": "cql2-json"}, "only cql2-text"),
]


def test_bad_filters_are_400_and_filtering_is_announced(api: Any) -> None:
    for params, words in BAD:
        res = api.get(POINTS, params=params)
        assert res.status_code == 400, params
        assert words in res.json()["detail"], params
    conf = api.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conf
    props = api.get("/ogc/collections/monitoring-points/queryables").json()["properties"]
    assert props["wqi"]["type"] == "number" and "geometry" in props
