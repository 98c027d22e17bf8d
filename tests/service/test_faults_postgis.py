"""PostGIS stopped and restarted while the service ingests (issue 9).

The server is the test's own throw-away PostgreSQL (tests/fixtures/faults/pg.py), never the
shared one. The app runs with its scheduler polling a folder; the database goes down mid-ingest
while stations keep sending. While it is down ``/healthz`` answers 503 and files stay at the
source; after the restart the pool reconnects (pre-ping), ``/healthz`` answers 200 and every
reading is stored exactly once.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import Engine

from service.bootstrap import import_stations
from service.database import make_engine, upgrade
from service.settings import Settings
from service.web.app import create_app
from stations.store.sites import sync_parameters
from tests.fixtures.faults import pg
from tests.fixtures.faults.corpus import (
    T_START,
    Corpus,
    assert_exactly_once,
    remaining,
    station_models,
    write_corpus,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgis,
    pytest.mark.slow,
    pytest.mark.skipif(not pg.available(), reason="PostgreSQL 15 binaries not installed"),
]


@pytest.fixture(scope="module")
def own_pg() -> Iterator[pg.OwnPostgres]:
    base = Path(tempfile.mkdtemp(prefix=f"qt-fault-pg-{os.getpid()}-", dir="/tmp"))
    server = pg.OwnPostgres(base).start()
    yield server
    server.destroy()


@pytest.fixture
def db_url(own_pg: pg.OwnPostgres) -> str:
    url = own_pg.create_database(f"qt_fault_{time.monotonic_ns()}")
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    engine.dispose()
    return url


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _merge(a: Corpus, b: Corpus) -> Corpus:
    return Corpus(root=a.root, files={**a.files, **b.files})


def test_postgis_restart_during_ingest_loses_nothing_and_service_recovers(
    own_pg: pg.OwnPostgres, db_url: str, tmp_path: Path, caplog, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from service.worker.jobs import ingest as ingest_job

    caplog.set_level(logging.INFO)
    # a backlog is drained in batches of this many files too, so the stop lands mid-ingest
    monkeypatch.setattr(ingest_job, "BATCH_FILES", 4)
    drop = tmp_path / "drop"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {
                    "interval_seconds": 0.2,
                    "retries": 1,
                    "backoff_seconds": 0.05,
                    "batch_files": 4,  # small batches: the stop must land mid-ingest
                },
                "sources": [{"id": "drop", "type": "folder", "path": str(drop)}],
            }
        ),
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=db_url,
        sources_file=sources,
        auth_enabled=False,
    )
    probe: Engine = make_engine(db_url)
    models = station_models(probe)
    first = write_corpus(drop, models, slots=8)  # 104 files
    with TestClient(create_app(settings, scheduler=True)) as client:
        assert client.get("/healthz").status_code == 200
        assert _wait(lambda: len(remaining(drop)) < len(first.files) - 5, timeout=30)
        own_pg.stop()  # mid-ingest
        left_when_stopped = len(remaining(drop))
        assert left_when_stopped > 0, "ingest finished before the stop: grow the corpus"
        down = client.get("/healthz")
        assert (down.status_code, down.json()["database"]) == (503, "unreachable")
        # the stations keep sending while the database is down
        second = write_corpus(drop, models, slots=2, start=T_START + 8 * 300)
        time.sleep(1.0)  # several polls fail
        assert len(remaining(drop)) >= left_when_stopped  # nothing left the source
        assert client.get("/healthz").status_code == 503
        own_pg.restart_stopped()
        assert client.get("/healthz").status_code == 200  # the pool pre-pings, reconnects
        assert _wait(lambda: not remaining(drop), timeout=30), len(remaining(drop))
        assert client.get("/api/stations").status_code == 200
    assert "not ingested; left for the next poll" in caplog.text
    probe.dispose()
    probe = make_engine(db_url)
    assert_exactly_once(probe, _merge(first, second))
    probe.dispose()
