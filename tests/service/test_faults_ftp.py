"""Faults at the FTP source (issue 9): the server down, slow, or resetting connections.

A real pyftpdlib server on loopback misbehaves for its first attempts (tests/fixtures/faults).
Polling retries with backoff, logs without the password, and once the server behaves every
reading of the corpus is stored exactly once and every file is recorded once and moved.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
import yaml

from service.bootstrap import import_stations
from service.context import AppContext
from service.database import make_engine
from service.settings import Settings
from service.sources_config import SourceConfig, load_sources
from service.worker.jobs.ingest import poll_source
from service.worker.scheduler import build_scheduler
from tests.fixtures.faults.corpus import (
    Corpus,
    assert_exactly_once,
    remaining,
    station_models,
    write_corpus,
)
from tests.fixtures.faults.ftp import FaultyFtpServer

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "ftp-pw-never-in-logs"
pytestmark = pytest.mark.ftp


def _source(tmp_path: Path, port: int, **timing: float) -> SourceConfig:
    defaults = {"interval_seconds": 0.3, "timeout_seconds": 0.5, "retries": 2}
    defaults["backoff_seconds"] = 0.05
    defaults.update(timing)
    path = tmp_path / "sources.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": defaults,
                "sources": [
                    {
                        "id": "ftp-faults",
                        "type": "ftp",
                        "host": "127.0.0.1",
                        "port": port,
                        "user": "datalogger",
                        "password": "${FAULT_FTP_PASSWORD}",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return load_sources(path, env={"FAULT_FTP_PASSWORD": PASSWORD}).sources[0]


@pytest.fixture
def ctx(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setenv("FAULT_FTP_PASSWORD", PASSWORD)
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    return AppContext(settings=settings, engine=engine)


@pytest.fixture
def ftp(tmp_path: Path):  # type: ignore[no-untyped-def]
    server = FaultyFtpServer(tmp_path / "ftp", password=PASSWORD).up()
    yield server
    server.down()


@pytest.fixture
def corpus(ctx: AppContext, ftp: FaultyFtpServer) -> Corpus:
    return write_corpus(ftp.root, station_models(ctx.engine)[:4], slots=3)  # 12 files


def _retry_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]


def test_stalls_and_cut_transfers_are_retried_then_all_stored_once(
    ctx: AppContext, ftp: FaultyFtpServer, corpus: Corpus, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    ftp.faults.stalls, ftp.faults.cuts = 2, 2
    ftp.faults.stall_s = 1.5  # > timeout_seconds 0.5: the client gives up and reconnects
    cfg = _source(tmp_path, ftp.port, retries=5, backoff_seconds=0.02)
    started = time.monotonic()
    result = poll_source(ctx, cfg)
    waited = time.monotonic() - started
    assert ftp.faults.injected == {"reset": 0, "stall": 2, "cut": 2}
    warnings = _retry_warnings(caplog)
    assert len(warnings) == 4, warnings  # one retry per injected fault, backoff doubling
    assert [w.rsplit(" in ", 1)[1] for w in warnings] == ["0.0s", "0.0s", "0.1s", "0.2s"]
    assert waited < 10
    assert result.finished > 0 and remaining(ftp.root) == []
    assert_exactly_once(ctx.engine, corpus)
    assert len(list((ftp.root / "processed").rglob("*.txt"))) == len(corpus.files)
    assert ctx.source_status["ftp-faults"].ok is True
    assert PASSWORD not in caplog.text


def test_refused_or_reset_connections_are_retried_with_backoff(
    ctx: AppContext, ftp: FaultyFtpServer, corpus: Corpus, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.INFO)
    ftp.down()
    cfg = _source(tmp_path, ftp.port, retries=2, backoff_seconds=0.02)
    with pytest.raises(ConnectionRefusedError):  # retried, then the real error, not a crash
        poll_source(ctx, cfg)
    status = ctx.source_status["ftp-faults"]
    assert (status.ok, status.error) == (False, "ConnectionRefusedError")
    assert len(_retry_warnings(caplog)) == 2
    # down, back up during the backoff, then resetting its first two connections
    ftp.faults.resets = 2
    cfg = _source(tmp_path, ftp.port, retries=6, backoff_seconds=0.1)
    threading.Timer(0.5, ftp.up).start()
    poll_source(ctx, cfg)
    assert ftp.faults.injected["reset"] == 2
    assert remaining(ftp.root) == []
    assert_exactly_once(ctx.engine, corpus)
    assert PASSWORD not in caplog.text


def test_server_down_fails_scheduled_polls_then_next_polls_recover(
    ctx: AppContext, ftp: FaultyFtpServer, corpus: Corpus, tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    """The scheduled job: polls fail while the server is down (logged by the scheduler
    listener), the next interval polls again; after recovery nothing is lost or stored twice."""
    caplog.set_level(logging.INFO)
    ftp.down()
    _source(tmp_path, ftp.port)  # interval 0.3 s, 2 retries, backoff 0.05 s
    settings = ctx.settings.model_copy(update={"sources_file": tmp_path / "sources.yaml"})
    scheduled = AppContext(settings=settings, engine=ctx.engine)
    scheduler = build_scheduler(scheduled)
    scheduler.start()
    try:
        time.sleep(1.0)  # ~3 failed polls
        assert "job poll:ftp-faults failed" in caplog.text
        ftp.up()
        deadline = time.monotonic() + 10
        while remaining(ftp.root) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        scheduler.shutdown(wait=True)
    assert remaining(ftp.root) == []
    assert_exactly_once(ctx.engine, corpus)
    assert scheduled.source_status["ftp-faults"].ok is True
    assert PASSWORD not in caplog.text
