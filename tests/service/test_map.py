"""``GET /map``, its assets and its slim data layers, on SQLite and PostGIS."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from sqlalchemy import Engine

from service.bootstrap import import_points, import_stations

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"


def _config(html: str) -> dict:  # type: ignore[type-arg]
    start = html.index("quantracMap.start(")
    body = html[html.index("}, {", start) + 3 : html.rindex(");")]
    return json.loads(body)


def test_map_page_lists_only_mounted_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/map")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert '<html lang="vi">' in html and "Bản đồ quan trắc môi trường" in html
    config = _config(html)
    assert config["lang"] == "vi" and config["tz"] == "Asia/Ho_Chi_Minh"
    assert config["endpoints"]["stations"] == "/api/stations"
    assert config["data"] is None
    english = client.get("/map?lang=en").text
    assert '<html lang="en">' in english
    assert client.get("/map?lang=fr").status_code == 422


def test_map_assets_are_served_locally(client) -> None:  # type: ignore[no-untyped-def]
    js = client.get("/static/map/vendor/leaflet-1.9.3/leaflet.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "max-age" in js.headers["cache-control"]
    assert client.get("/static/map/quantrac/map.css").status_code == 200
    assert client.get("/static/map/vendor/leaflet-1.9.3/images/layers.png").status_code == 200
    assert client.get("/static/map/../compose.py").status_code == 404
    assert client.get("/static/map/nothing.js").status_code == 404


def test_slim_layers(client, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, DEMO / "stations.yaml")
    import_points(engine, DEMO / "points.csv")
    config = _config(client.get("/map").text)
    if "points" not in config["endpoints"]:
        return  # the OGC collections are not mounted in this build
    assert config["endpoints"]["points"] == "/map/data/points"
    response = client.get("/map/data/points", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    body = response.json()  # the client decodes gzip
    assert len(body["features"]) == 163
    assert "results" not in body["features"][0]["properties"]
    raw = client.get("/map/data/points", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert len(gzip.compress(raw.content)) < len(raw.content)
    assert client.get("/map/data/nothing").status_code == 404
