"""OGC API - Features and the layer routes over the test client, on SQLite and PostGIS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from service.settings import Settings
from tests.layers.conftest import DEMO, load_demo_layers


@pytest.fixture
def api(client: Any, engine: Engine, settings: Settings, tmp_path: Path) -> Any:
    load_demo_layers(engine, settings.data_dir, tmp_path)
    return client


def _rels(body: dict[str, Any]) -> dict[str, str]:
    return {link["rel"]: link["type"] for link in body["links"]}


def test_landing_conformance_and_collections(api: Any) -> None:
    landing = api.get("/ogc")
    assert landing.headers["content-type"] == "application/json"
    assert set(_rels(landing.json())) >= {"self", "service-desc", "conformance", "data"}
    classes = api.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes
    body = api.get("/ogc/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == ["stations", "monitoring-points", "landslide-zones", "flood-zones", "communes"]
    points = body["collections"][1]
    assert points["extent"]["spatial"]["bbox"][0] == pytest.approx(
        [106.24296, 21.46598, 107.14537, 22.34006]
    )
    assert _rels(points)["items"] == "application/geo+json"


def test_items_page_with_counts_and_links(api: Any) -> None:
    response = api.get("/ogc/collections/monitoring-points/items?limit=50&offset=150")
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert (body["numberMatched"], body["numberReturned"]) == (163, 13)
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert "next" not in rels and "offset=100" in rels["prev"]
    first = api.get("/ogc/collections/monitoring-points/items?limit=50").json()
    assert "offset=50" in {link["rel"]: link["href"] for link in first["links"]}["next"]


# One app per backend serves each table below (a fresh database per case would be slow).
FILTERS = [
    ("medium=groundwater", 30),
    ("medium=groundwater&district_former=Cao Lộc", 3),
    ("bbox=0,0,1,1", 0),
    ("flood_level=5", 1),
]


def test_point_filters(api: Any) -> None:
    for query, matched in FILTERS:
        body = api.get(f"/ogc/collections/monitoring-points/items?{query}").json()
        assert body["numberMatched"] == matched, query


def test_bbox_matches_a_plain_count_of_the_registry(api: Any) -> None:
    import csv

    rows = list(csv.DictReader((DEMO / "points.csv").open(encoding="utf-8")))
    inside = [
        r for r in rows if 106.7 <= float(r["lon"]) <= 106.9 and 21.78 <= float(r["lat"]) <= 21.95
    ]
    body = api.get("/ogc/collections/monitoring-points/items?bbox=106.7,21.78,106.9,21.95").json()
    assert body["numberMatched"] == len(inside) > 0
    assert {f["id"] for f in body["features"]} == {r["id"] for r in inside}


def test_datetime_filters_zones_by_validity(api: Any) -> None:
    url = "/ogc/collections/flood-zones/items?datetime="
    assert api.get(url + "2026-01-01T00:00:00Z/..").json()["numberMatched"] == 4
    assert api.get(url + "../2020-01-01").json()["numberMatched"] == 0


BAD_REQUESTS = [
    ("items?limit=0", 400, "limit"),
    ("items?offset=-1", 400, "offset"),
    ("items?bbox=200,0,201,1", 400, "bbox"),
    ("items?datetime=yesterday", 400, "datetime"),
    ("items?synthetic=maybe", 400, "true or false"),
    ("items?crs=EPSG:32648", 400, "unsupported CRS"),  # Part 2: only CRS84, 9215, 3405
    ("items?owner=someone", 400, "unknown parameter"),
    ("items/LS-XX-999", 404, "LS-XX-999"),
]


def test_bad_requests_name_the_problem(api: Any) -> None:
    for url, status, message in BAD_REQUESTS:
        response = api.get(f"/ogc/collections/monitoring-points/{url}")
        assert response.status_code == status, url
        assert message in response.json()["detail"], url
    assert api.get("/ogc/collections/rivers/items").status_code == 404


def test_single_item_and_zone_levels_on_stations(api: Any) -> None:
    item = api.get("/ogc/collections/monitoring-points/items/LS-NM-001")
    assert item.headers["content-type"] == "application/geo+json"
    assert item.json()["properties"]["name"] == "Nước mặt — Kỳ Lừa (Thành phố Lạng Sơn) #1"
    stations = api.get("/api/stations").json()["features"]
    levels = {f["properties"]["landslide_level"] for f in stations}
    assert levels <= {1, 2, 3, 4, 5} and len(stations) == 13


def test_zones_at_a_point(api: Any) -> None:
    # On the synthetic Kỳ Cùng centreline in Lạng Sơn city: the deepest flood class.
    body = api.get("/api/zones/at?lon=106.772&lat=21.842").json()
    assert body["flood_level"] == 5 and body["flood_level_vi"] == "Rất cao"
    assert body["landslide_level"] in {1, 2, 3, 4, 5}
    assert [z["hazard"] for z in body["zones"]].count("flood") == 1
    assert api.get("/api/zones/at?lon=106.0&lat=95").status_code in (400, 422)


def test_layer_catalogue_for_the_map(api: Any) -> None:
    layers = {layer["id"]: layer for layer in api.get("/api/layers").json()}
    assert layers["stations"]["count"] == 13
    assert layers["demo-landslide"]["tiles"] == "/tiles/demo-landslide/{z}/{x}/{y}.png"
    assert [c["colour"] for c in layers["demo-landslide"]["legend"]][-1] == "#7b2c91"
