"""Polling with real servers: simulator -> pyftpdlib FTP -> scheduled poll -> database and API."""

from __future__ import annotations

import ftplib
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from service.bootstrap import import_stations
from service.context import AppContext
from service.database import make_engine
from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import Scenario, StationModel
from service.demo.simulator.runner import FtpUploader, LiveSimulator
from service.settings import Settings
from service.sources_config import load_sources
from service.worker.after_ingest import AfterIngestStep
from service.worker.jobs import ingest as ingest_job
from service.worker.jobs.ingest import poll_source
from service.worker.scheduler import build_scheduler
from stations.errors import InvalidRequest
from stations.store.schema import readings
from stations.store.sites import list_sites

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-do-not-log"
pytestmark = pytest.mark.ftp


def _sources_file(tmp_path: Path, port: int, interval: float = 1.0, after: str = "move") -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": {
                    "interval_seconds": interval,
                    "timeout_seconds": 5,
                    "retries": 1,
                    "backoff_seconds": 0.1,
                },
                "sources": [
                    {
                        "id": "ftp-test",
                        "type": "ftp",
                        "host": "127.0.0.1",
                        "port": port,
                        "user": "datalogger",
                        "password": "${TEST_FTP_PASSWORD}",
                        "after": after,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def ftp(tmp_path: Path):  # type: ignore[no-untyped-def]
    with LocalFtpServer(tmp_path / "ftp", password=PASSWORD) as server:
        yield server


@pytest.fixture
def ctx(settings: Settings, ftp: LocalFtpServer, tmp_path: Path, monkeypatch) -> AppContext:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_FTP_PASSWORD", PASSWORD)
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    s = settings.model_copy(update={"sources_file": _sources_file(tmp_path, ftp.port)})
    return AppContext(settings=s, engine=engine)


def _models(ctx: AppContext) -> list[StationModel]:
    with ctx.engine.connect() as conn:
        return [
            StationModel(x.id, x.kind, x.parameters) for x in list_sites(conn, site_type="station")
        ]


def _remote_files(ftp: LocalFtpServer) -> list[Path]:
    return [p for p in ftp.root.rglob("*.txt") if "processed" not in p.parts]


def test_scheduled_poll_reaches_database_and_api(
    ctx: AppContext, ftp: LocalFtpServer, caplog
) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from service.web.app import create_app

    # The previous minute's slot: a reading stamped in the current minute's first second could
    # still equal "now" when the API is asked, and a default window ends before "now".
    last_minute = float(time.time() // 60 * 60 - 60)
    sim = LiveSimulator(
        _models(ctx),
        Scenario(),
        FtpUploader("127.0.0.1", ftp.port, "datalogger", PASSWORD),
        period_s=60,
        clock=lambda: last_minute,
    )
    assert sim.tick() == 13
    scheduler = build_scheduler(ctx)
    assert "poll:ftp-test" in [j.id for j in scheduler.get_jobs()]
    scheduler.start()
    try:
        deadline = time.monotonic() + 5  # poll interval 1 s: data must be there well within 5 s
        while time.monotonic() < deadline and _remote_files(ftp):
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert _remote_files(ftp) == []
    assert len(list((ftp.root / "processed").rglob("*.txt"))) == 13
    with ctx.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 98  # 13 stations
    with TestClient(create_app(ctx.settings, scheduler=False)) as client:
        body = client.get("/api/stations/LS_SONNMT_KK01/readings?parameter=PM2.5").json()
        assert len(body["series"][0]["points"]) == 1
        status = {
            f["id"]: f["properties"]["data_status"]
            for f in client.get("/api/stations").json()["features"]
        }
    assert set(status.values()) == {"online"}
    assert PASSWORD not in caplog.text


def test_file_leaves_ftp_only_after_commit(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sim = LiveSimulator(
        _models(ctx)[:2],
        Scenario(),
        FtpUploader("127.0.0.1", ftp.port, "datalogger", PASSWORD),
        period_s=60,
    )
    sim.tick()
    cfg = load_sources(ctx.settings.sources_file).sources[0]  # type: ignore[arg-type]
    import stations.ingest.pipeline as pipeline

    real_store = pipeline.store_work

    def crash_before_commit(*args, **kwargs):  # type: ignore[no-untyped-def]
        real_store(*args, **kwargs)  # everything written, then the process "dies"
        raise RuntimeError("injected failure between download and commit")

    monkeypatch.setattr(pipeline, "store_work", crash_before_commit)
    result = poll_source(ctx, cfg)
    assert (result.fetched, result.finished, len(result.failed)) == (2, 0, 2)
    assert len(_remote_files(ftp)) == 2  # still on the server
    with ctx.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 0  # rolled back
    monkeypatch.setattr(pipeline, "store_work", real_store)
    result = poll_source(ctx, cfg)  # "after restart"
    assert result.finished == 2 and _remote_files(ftp) == []
    with ctx.engine.connect() as conn:
        expected = sum(len(m.parameters) for m in _models(ctx)[:2])
        assert conn.scalar(select(func.count()).select_from(readings)) == expected


def test_committed_but_not_removed_file_is_a_duplicate(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    sim = LiveSimulator(
        _models(ctx)[:1],
        Scenario(),
        FtpUploader("127.0.0.1", ftp.port, "datalogger", PASSWORD),
        period_s=60,
    )
    sim.tick()
    cfg = load_sources(ctx.settings.sources_file).sources[0]  # type: ignore[arg-type]
    from stations.sources import ftp as ftp_module

    monkeypatch.setattr(ftp_module.FtpSession, "finish", lambda self, f: None)
    poll_source(ctx, cfg)  # committed, crash before the move
    monkeypatch.undo()
    monkeypatch.setenv("TEST_FTP_PASSWORD", PASSWORD)
    poll_source(ctx, cfg)
    with ctx.engine.connect() as conn:
        expected = len(_models(ctx)[0].parameters)
        assert conn.scalar(select(func.count()).select_from(readings)) == expected
    assert _remote_files(ftp) == []


def test_wrong_password_is_retried_then_fails_without_leaking(
    ctx: AppContext, ftp, tmp_path, monkeypatch, caplog
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_FTP_PASSWORD", "wrong-" + PASSWORD)
    cfg = load_sources(_sources_file(tmp_path, ftp.port)).sources[0]
    assert PASSWORD not in repr(cfg)
    with pytest.raises(ftplib.error_perm):
        poll_source(ctx, cfg)
    assert ctx.source_status["ftp-test"].ok is False
    assert PASSWORD not in caplog.text


def test_sources_file_errors_name_the_variable(tmp_path: Path) -> None:
    path = _sources_file(tmp_path, 21)
    with pytest.raises(InvalidRequest, match="TEST_FTP_PASSWORD"):
        load_sources(path, env={})
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources: [{id: x, type: gopher}]", encoding="utf-8")
    with pytest.raises(InvalidRequest, match="type"):
        load_sources(bad, env={})


@pytest.mark.parametrize(
    ("chain_every_s", "chain_sizes"),
    [
        # The poll takes well under a minute: one chain over every station it committed.
        (60.0, [12]),
        # A long poll runs the chain as it goes (here after every commit, the retried batch's
        # files one by one), so alerts are not held back until a backlog is stored.
        (0.0, [5, 1, 1, 1, 1, 3]),
    ],
)
def test_poll_commits_in_batches_and_runs_the_chain_per_poll(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch, chain_every_s, chain_sizes
) -> None:  # type: ignore[no-untyped-def]
    models = _models(ctx)
    LiveSimulator(
        models, Scenario(), FtpUploader("127.0.0.1", ftp.port, "datalogger", PASSWORD), period_s=60
    ).tick()
    cfg = load_sources(ctx.settings.sources_file).sources[0]  # type: ignore[arg-type]
    cfg = cfg.model_copy(update={"batch_files": 5})
    calls: list[set[str]] = []
    ctx.steps = (AfterIngestStep("record", lambda _rt, spans: calls.append(set(spans))),)
    import stations.ingest.pipeline as pipeline

    real_store = pipeline.store_work
    names = sorted(f.name for f in _remote_files(ftp))  # polls take files in name order
    bad_file = names[6]  # in the second batch of five
    bad = bad_file.rsplit("_", 1)[0]  # <station id>_<yyyymmddhhmmss>.txt

    def refuse_one_station(conn, work, *args, **kwargs):  # type: ignore[no-untyped-def]
        if any(bad in w.incoming.name for w in work):
            raise RuntimeError("injected failure for one file")
        return real_store(conn, work, *args, **kwargs)

    monkeypatch.setattr(pipeline, "store_work", refuse_one_station)
    monkeypatch.setattr(ingest_job, "CHAIN_EVERY_S", chain_every_s)
    result = poll_source(ctx, cfg)
    # 13 files waiting > 5: one backlog batch; it fails and is retried in batches of 5, 5, 3,
    # the one holding the bad file one by one.
    assert (result.fetched, result.finished) == (13, 12)
    assert [Path(f).name for f in result.failed] == [bad_file]
    assert [f.name for f in _remote_files(ftp)] == [bad_file]
    assert [len(c) for c in calls] == chain_sizes
    assert set().union(*calls) == {m.station_id for m in models} - {bad}
    with ctx.engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(readings))
    assert stored == sum(len(m.parameters) for m in models if m.station_id != bad)
