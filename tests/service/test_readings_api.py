"""GET /api/stations/{id}/readings: units, flags, ISO times with +07:00, 404/400."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from service.bootstrap import import_stations
from service.demo.simulator.model import Scenario, StationModel, Window, history
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000  # 2026-11-20 09:00 +07:00


@pytest.fixture
def loaded(engine: Engine, tmp_path: Path) -> Engine:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    model = StationModel("LS_XMDB_KHI01", "fluegas", sites["LS_XMDB_KHI01"])
    scenario = Scenario(calibrations=(Window("LS_XMDB_KHI01", NOW - 3600, NOW - 3000),))
    files = [IncomingFile(n, d, "t") for n, d in history([model], NOW - 86400, NOW, scenario)]
    ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path / "a")
    return engine


def test_raw_points_carry_units_status_flags_and_local_time(client, loaded) -> None:  # type: ignore[no-untyped-def]
    body = client.get(
        "/api/stations/LS_XMDB_KHI01/readings",
        params={
            "parameter": "Dust",
            "start": "2026-11-20T07:00:00+07:00",
            "end": "2026-11-20T09:00:00+07:00",
        },
    ).json()
    (series,) = body["series"]
    assert series["unit"] == "mg/Nm³" and series["parameter"] == "Dust"
    points = series["points"]
    assert len(points) == 24
    assert points[0]["time"] == "2026-11-20T07:00:00+07:00"
    calibrating = [p for p in points if p["status"] == "01"]
    assert len(calibrating) == 2 and all(p["flags"] == ["calibrating"] for p in calibrating)
    assert all(p["valid"] is False for p in calibrating)


def test_hour_and_day_means(client, loaded) -> None:  # type: ignore[no-untyped-def]
    hour = client.get(
        "/api/stations/LS_XMDB_KHI01/readings",
        params={
            "parameter": "Dust",
            "interval": "hour",
            "start": "2026-11-20T07:00:00+07:00",
            "end": "2026-11-20T09:00:00+07:00",
        },
    ).json()
    first, second = hour["series"][0]["points"]
    assert (first["n_valid"], first["n_total"]) == (12, 12)
    assert (second["n_valid"], second["n_total"]) == (10, 12)  # 2 calibrating readings excluded
    day = client.get(
        "/api/stations/LS_XMDB_KHI01/readings",
        params={
            "parameter": "Dust,O2",
            "interval": "day",
            "start": "2026-11-19",
            "end": "2026-11-21",
        },
    ).json()
    assert [s["parameter"] for s in day["series"]] == ["Dust", "O2"]
    days = day["series"][0]["points"]
    assert [d["time"] for d in days] == ["2026-11-19T00:00:00+07:00", "2026-11-20T00:00:00+07:00"]
    assert sum(d["n_total"] for d in days) == 288


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        pytest.param("/api/stations/NOPE/readings", 404, "NOPE", id="unknown-station"),
        pytest.param("/api/stations/LS-NM-001/readings", 404, "LS-NM-001", id="point-not-station"),
        pytest.param(
            "/api/stations/LS_XMDB_KHI01/readings?interval=week", 400, "interval", id="bad-interval"
        ),
        pytest.param(
            "/api/stations/LS_XMDB_KHI01/readings?start=yesterday", 400, "ISO 8601", id="bad-start"
        ),
        pytest.param(
            "/api/stations/LS_XMDB_KHI01/readings?start=2026-11-20&end=2026-11-19",
            400,
            "before",
            id="start-after-end",
        ),
        pytest.param(
            "/api/stations/LS_XMDB_KHI01/readings?parameter=XYZ", 400, "XYZ", id="unknown-parameter"
        ),
        pytest.param(
            "/api/stations/LS_XMDB_KHI01/readings?start=2020-01-01&end=2026-01-01",
            400,
            "31 days",
            id="raw-range-too-long",
        ),
    ],
)
def test_bad_requests(client, loaded, url: str, status: int, words: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status
    assert words in response.json()["detail"]
