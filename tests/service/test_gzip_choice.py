"""Every route that may gzip decides it by one rule, ``json_answer.accepts_gzip`` (RFC 9110
§12.5.3): the readings API, the map's slim layers and the public portal's answers. A client
that refuses gzip (``gzip;q=0``, ``identity``, ``*;q=0``) gets the plain bytes from each; one
that accepts it (``gzip``, ``*``) gets gzip. Both backends."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.bootstrap import import_points, import_stations
from service.settings import Settings
from service.web.app import create_app
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units
from tests.service.public_seed import seed

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "stations" / "demo"
FIELD = ROOT / "tests" / "fixtures" / "tt10" / "field"
DAY = "2026-11-20"
REFUSE = ["gzip;q=0", "identity", "*;q=0", "*, gzip;q=0", "br"]
ACCEPT = ["gzip", "*", "deflate, gzip;q=0.5"]


def _check(client: TestClient, url: str) -> None:
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    for header in REFUSE:
        got = client.get(url, headers={"Accept-Encoding": header})
        assert "content-encoding" not in got.headers, (url, header)
        assert got.content == plain.content
    for header in ACCEPT:
        got = client.get(url, headers={"Accept-Encoding": header})
        assert got.headers.get("content-encoding") == "gzip", (url, header)
        assert got.content == plain.content  # decoded by the client
        assert got.headers["vary"] == "Accept-Encoding"


def test_readings_and_map_layers(client, engine: Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, DEMO / "stations.yaml")
    import_points(engine, DEMO / "points.csv")
    with engine.connect() as conn:
        sites = station_units(conn)
    files = [IncomingFile(p.name, p.read_bytes(), "test") for p in sorted(FIELD.glob("*.txt"))]
    ingest_batch(engine, files, sites=sites, now=1_795_140_000, archive_dir=tmp_path)
    _check(client, f"/api/stations/LS_SONNMT_KK01/readings?start={DAY}&end=2026-11-21")
    _check(client, "/map/data/points")


def test_public_answers(engine: Engine, settings: Settings) -> None:
    seed(engine)
    app = create_app(settings.model_copy(update={"auth_enabled": True}), scheduler=False)
    with TestClient(app) as c:
        _check(c, "/public/data.json")
