"""A poll that finds a backlog (more files than ``batch_files``) drains it in larger
transactions, stores each file once, and loses nothing when it fails or crashes midway
(issue 20: the live path paid a 100-file transaction's fixed cost per 100 files of a backlog).
Real pyftpdlib server, both database backends."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.context import AppContext
from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import Scenario
from service.demo.simulator.runner import FtpUploader, LiveSimulator
from service.sources_config import SourceConfig, load_sources
from service.worker.jobs import ingest as ingest_job
from service.worker.jobs.ingest import poll_source
from service.worker.jobs.poll_timing import PollTiming
from stations.store.schema import ingested_files, readings
from tests.service import test_polling as polling
from tests.service.test_polling import PASSWORD, _models, _remote_files

ctx, ftp = polling.ctx, polling.ftp  # the polling tests' fixtures: runtime, FTP server

pytestmark = pytest.mark.ftp
SLOTS = 3  # three 5-minute slots of the 13 demo stations: 39 files waiting


class Crash(BaseException):
    """The worker dying: not an ``Exception``, so nothing in the poll catches it."""


def _backlog(ctx: AppContext, ftp: LocalFtpServer) -> int:
    """Upload SLOTS slots of every station's file; returns the readings they hold."""
    models = _models(ctx)
    slots = iter(1_795_000_000 + 300 * k for k in range(SLOTS))
    sim = LiveSimulator(
        models,
        Scenario(),
        FtpUploader("127.0.0.1", ftp.port, "datalogger", PASSWORD),
        period_s=300,
        clock=lambda: float(next(slots)),
    )
    assert sum(sim.tick() for _ in range(SLOTS)) == SLOTS * len(models)
    return SLOTS * sum(len(m.parameters) for m in models)


def _cfg(ctx: AppContext, batch_files: int) -> SourceConfig:
    cfg = load_sources(ctx.settings.sources_file).sources[0]  # type: ignore[arg-type]
    return cfg.model_copy(update={"batch_files": batch_files})


def _counts(ctx: AppContext) -> tuple[int, int]:
    with ctx.engine.connect() as conn:
        n_readings = conn.scalar(select(func.count()).select_from(readings))
        n_files = conn.scalar(select(func.count()).select_from(ingested_files))
    return n_readings or 0, n_files or 0


def _recording(monkeypatch: pytest.MonkeyPatch, crash_after: int = 0) -> list[list[int]]:
    """The byte sizes of the files of each transaction the job commits; with ``crash_after``,
    the worker dies right after that many commits (before the source moves their files)."""
    batches: list[list[int]] = []
    real = ingest_job.ingest_batch

    def recorded(engine, files, **kw):  # type: ignore[no-untyped-def]
        result = real(engine, files, **kw)
        batches.append([len(f.data) for f in files])
        if crash_after and len(batches) == crash_after:
            raise Crash
        return result

    monkeypatch.setattr(ingest_job, "ingest_batch", recorded)
    return batches


def test_backlog_is_drained_in_fewer_transactions_and_stored_once(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    expected = _backlog(ctx, ftp)
    cfg = _cfg(ctx, batch_files=4)
    batches = _recording(monkeypatch)
    timing = PollTiming()
    result = poll_source(ctx, cfg, timing=timing)
    # 39 waiting > 4: one transaction instead of ten
    assert [len(b) for b in batches] == [39] and timing.batches == 1
    assert (result.listed, result.fetched, result.finished, result.failed) == (39, 39, 39, [])
    assert _counts(ctx) == (expected, 39)
    assert _remote_files(ftp) == []
    assert len(list((ftp.root / "processed").rglob("*.txt"))) == 39
    # no more than batch_files waiting: the source's own batch size again
    _backlog_of(ftp, 3)
    batches.clear()
    poll_source(ctx, cfg)
    assert [len(b) for b in batches] == [3]


def _backlog_of(ftp: LocalFtpServer, n: int) -> None:
    """Put ``n`` processed files back in the upload folder (re-read: duplicates)."""
    for p in sorted((ftp.root / "processed").rglob("*.txt"))[:n]:
        p.rename(ftp.root / p.name)


@pytest.mark.parametrize("bound", ["files", "bytes"])
def test_backlog_batches_are_bounded_by_files_and_bytes(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch, bound
) -> None:  # type: ignore[no-untyped-def]
    expected = _backlog(ctx, ftp)
    cfg = _cfg(ctx, batch_files=2)
    cap = 3 * max(p.stat().st_size for p in _remote_files(ftp))
    if bound == "files":
        monkeypatch.setattr(ingest_job, "BATCH_FILES", 16)
    else:
        monkeypatch.setattr(ingest_job, "MAX_BATCH_BYTES", cap)
    batches = _recording(monkeypatch)
    poll_source(ctx, cfg)
    assert _counts(ctx) == (expected, 39)
    if bound == "files":
        assert [len(b) for b in batches] == [16, 16, 7]
        return
    # each batch is closed by the file that reaches the bound (3 to 6 files here)
    assert sum(map(len, batches)) == 39 and max(map(len, batches)) <= 6
    assert all(sum(b) >= cap and sum(b[:-1]) < cap for b in batches[:-1]), batches
    assert sum(batches[-1][:-1]) < cap


def test_crash_mid_backlog_loses_nothing_and_stores_nothing_twice(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    expected = _backlog(ctx, ftp)
    cfg = _cfg(ctx, batch_files=2)
    monkeypatch.setattr(ingest_job, "BATCH_FILES", 10)
    batches = _recording(monkeypatch, crash_after=2)
    with pytest.raises(Crash):
        poll_source(ctx, cfg)
    # two batches committed, the first moved, the second still waiting (committed, not moved)
    assert [len(b) for b in batches] == [10, 10]
    assert _counts(ctx)[1] == 20
    assert len(_remote_files(ftp)) == 29
    _recording(monkeypatch)  # "after restart"
    result = poll_source(ctx, cfg)
    assert (result.listed, result.finished, result.failed) == (29, 29, [])
    assert _remote_files(ftp) == []
    assert _counts(ctx) == (expected, 39)  # the 10 committed files were recognised


def test_failed_backlog_batch_is_retried_in_the_sources_batches(
    ctx: AppContext, ftp: LocalFtpServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    expected = _backlog(ctx, ftp)
    cfg = _cfg(ctx, batch_files=5)
    bad_file = sorted(f.name for f in _remote_files(ftp))[12]
    sizes: list[int] = []
    real = ingest_job.ingest_batch

    def refuse_one(engine, files, **kw):  # type: ignore[no-untyped-def]
        sizes.append(len(files))
        if any(f.name == bad_file for f in files):
            raise RuntimeError("injected failure for one file")
        return real(engine, files, **kw)

    monkeypatch.setattr(ingest_job, "ingest_batch", refuse_one)
    result = poll_source(ctx, cfg)
    # 39 in one batch; it fails: batches of 5, the one holding file 12 one by one
    assert sizes == [39, 5, 5, 5, 1, 1, 1, 1, 1, 5, 5, 5, 5, 4]
    assert (result.finished, [Path(f).name for f in result.failed]) == (38, [bad_file])
    assert [f.name for f in _remote_files(ftp)] == [bad_file]
    n_readings, n_files = _counts(ctx)
    assert n_files == 38 and 0 < n_readings < expected
    monkeypatch.setattr(ingest_job, "ingest_batch", real)
    poll_source(ctx, cfg)  # the file is fine again: nothing lost
    assert _counts(ctx) == (expected, 39)
