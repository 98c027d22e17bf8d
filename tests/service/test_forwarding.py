"""Forwarding against a real FTP server (pyftpdlib on loopback) acting as the ministry.

A facility's folder is polled; every committed file is queued for the ministry in the same
transaction, sent under the folder template through a temporary name and a rename, and
confirmed. The ministry going down, files deleted at the ministry and a failing queue step are
exercised; the SIGKILL test is in test_forwarding_kill.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.bootstrap import import_stations
from service.context import AppContext
from service.database import make_engine
from service.forwarding import forwarding_for
from service.settings import Settings
from service.sources_config import load_sources
from service.worker.jobs.ingest import poll_source
from service.worker.scheduler import build_scheduler
from stations.forward.outbox import SENT
from stations.store.forward_tables import forward_outbox
from stations.store.schema import ingested_files
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import wait_for
from tests.fixtures.faults.ftp import FaultyFtpServer
from tests.fixtures.forwarding import (
    MINISTRY_PASSWORD,
    expected_path,
    folder_sources,
    forward_file,
    held,
    ministry_server,
    models,
    temporary,
    write_slots,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.ftp
SEND_INTERVAL_S = 2


@pytest.fixture
def ministry(tmp_path: Path) -> Iterator[FaultyFtpServer]:
    with ministry_server(tmp_path / "ministry") as server:
        yield server


def _ctx(settings: Settings, tmp_path: Path, port: int | None) -> AppContext:
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    facility = tmp_path / "facility"
    facility.mkdir(exist_ok=True)
    update = {"sources_file": folder_sources(tmp_path, facility), "forward_file": None}
    if port is not None:
        update["forward_file"] = forward_file(tmp_path, port, send_interval_seconds=SEND_INTERVAL_S)
    return AppContext(settings=settings.model_copy(update=update), engine=engine)


@pytest.fixture
def ctx(
    settings: Settings, ministry: FaultyFtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AppContext]:
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    context = _ctx(settings, tmp_path, ministry.port)
    yield context
    context.engine.dispose()


def _slots(n: int) -> list[int]:
    base = now_epoch() // 300 * 300 - 3 * 3600
    return [base + i * 300 for i in range(n)]


def _expected(sent: dict) -> dict[str, bytes]:
    return {expected_path(s, k, t, name): data for name, (s, k, t, data) in sent.items()}


def _poll(ctx: AppContext) -> None:
    assert ctx.settings.sources_file is not None
    poll_source(ctx, load_sources(ctx.settings.sources_file).sources[0])


def test_polled_files_arrive_under_the_template_once_within_a_send_interval(
    ctx: AppContext, ministry: FaultyFtpServer, tmp_path: Path
) -> None:
    sent = write_slots(tmp_path / "facility", models(ctx.engine), _slots(3))
    assert len(sent) == 39  # 13 demo stations x 3 five-minute files
    scheduler = build_scheduler(ctx)
    # the lag alert is the alert engine's forward_lag rule, fed by this forwarding
    assert forwarding_for(ctx).on_lag is not None and ctx.alerts.lag_readings is not None
    assert {"forward:send:ministry", "forward:reconcile:ministry"} <= {
        j.id for j in scheduler.get_jobs()
    }
    scheduler.start()
    try:
        wait_for(lambda: len(held(ministry.root)) >= len(sent), timeout=30)
        wait_for(lambda: not temporary(held(ministry.root)), timeout=5)
    finally:
        scheduler.shutdown(wait=True)
    assert held(ministry.root) == _expected(sent)  # byte-identical, under the template, once
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(forward_outbox)).all()
    assert len(rows) == 39 and {r.state for r in rows} == {SENT}
    assert {r.remote_path for r in rows} == {f"/{p}" for p in _expected(sent)}
    # Picked up within one send interval of the commit; allow the run itself (39 uploads on a
    # loaded machine) and whole-second times on top.
    assert max(r.sent_at - r.received_at for r in rows) <= SEND_INTERVAL_S + 2


def test_destination_down_then_back_everything_arrives_in_order_once(
    ctx: AppContext, ministry: FaultyFtpServer, tmp_path: Path
) -> None:
    fwd = forwarding_for(ctx)
    ministry.down()
    sent: dict = {}
    for slot in _slots(4):  # four polls while the ministry is unreachable
        sent |= write_slots(tmp_path / "facility", models(ctx.engine), [slot])
        _poll(ctx)
    down = fwd.send("ministry")
    assert down.error is not None and down.sent == 0
    (status,) = fwd.status(totals=True)
    assert status.pending == len(sent) == 52 and status.sent == 0 and status.dead == 0
    ministry.up()
    paths: list[str] = []
    while True:
        run = fwd.send("ministry")
        assert run.error is None
        paths += run.paths
        if not run.sent:
            break
    assert held(ministry.root) == _expected(sent)
    assert len(paths) == len(set(paths)) == 52  # each uploaded once, none "already there"
    by_station: dict[str, list[str]] = {}
    for p in paths:
        by_station.setdefault(p.split("/")[2], []).append(p.rsplit("_", 1)[-1])
    assert len(by_station) == 13
    assert all(stamps == sorted(stamps) for stamps in by_station.values())  # per-station order
    (status,) = fwd.status(totals=True)
    assert (status.pending, status.sent, status.last_sent_at is not None) == (0, 52, True)
    assert status.sent_last_hour == 52 and status.lag_p99_s is not None


def test_reconcile_finds_files_deleted_at_the_destination_and_refills_oldest_first(
    ctx: AppContext, ministry: FaultyFtpServer, tmp_path: Path
) -> None:
    fwd = forwarding_for(ctx)
    slots = _slots(3)
    sent = write_slots(tmp_path / "facility", models(ctx.engine, 4), slots)
    _poll(ctx)
    assert fwd.send("ministry").sent == 12
    expected = _expected(sent)
    stamp = lambda p: p.rsplit("_", 1)[-1]  # noqa: E731
    # One file of each slot, newest first, from three different stations.
    doomed = [
        sorted(p for p in expected if stamp(p) == st)[i]
        for i, st in enumerate(sorted({stamp(p) for p in expected}, reverse=True))
    ]
    for p in doomed:
        (ministry.root / p).unlink()
    start, end = slots[0] - 600, slots[-1] + 600

    first = fwd.reconcile("ministry", start, end, cap=2)
    assert (first.checked, first.missing_total, first.refilled, first.left) == (12, 3, 2, 1)
    assert first.folders == len({p.rsplit("/", 1)[0] for p in expected})  # each listed once
    assert [m.path.lstrip("/") for m in first.missing] == doomed[::-1]  # oldest first
    assert all(m.reason == "absent" for m in first.missing)
    assert fwd.send("ministry").sent == 2
    second = fwd.reconcile("ministry", start, end, cap=2)
    assert (len(second.missing), second.refilled) == (1, 1)
    assert fwd.send("ministry").sent == 1
    assert fwd.reconcile("ministry", start, end).missing == []
    assert held(ministry.root) == expected
    with ctx.engine.connect() as conn:
        refills = conn.scalar(select(func.sum(forward_outbox.c.refills)))
    assert refills == 3


def test_reconcile_queues_files_received_before_the_destination_was_configured(
    settings: Settings, ministry: FaultyFtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    before = _ctx(settings, tmp_path, None)  # no forwarding file yet: nothing is queued
    slots = _slots(2)
    sent = write_slots(tmp_path / "facility", models(before.engine, 3), slots)
    _poll(before)
    with before.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(forward_outbox)) == 0
    after = _ctx(settings, tmp_path, ministry.port)
    fwd = forwarding_for(after)
    assert fwd.reconcile("ministry", slots[0], slots[-1] + 300).missing == []  # rows only
    report = fwd.reconcile("ministry", slots[0], slots[-1] + 300, unqueued=True)
    assert (len(report.missing), report.refilled) == (6, 6)
    assert {m.reason for m in report.missing} == {"never_queued"}
    assert fwd.send("ministry").sent == 6
    assert held(ministry.root) == _expected(sent)
    before.engine.dispose()
    after.engine.dispose()


def test_queue_and_file_commit_together(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stations.forward.outbox as outbox

    facility = tmp_path / "facility"
    write_slots(facility, models(ctx.engine, 2), _slots(1))
    (facility / "LS_NOPE_KK01_20261120082000.txt").write_bytes(
        (ROOT / "tests/fixtures/tt10/LS_NOPE_KK01_20261120082000.txt").read_bytes()
    )
    real = outbox.enqueue_recorded

    def enqueue_then_fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        raise RuntimeError("disk full while queueing")

    monkeypatch.setattr(outbox, "enqueue_recorded", enqueue_then_fail)
    result = poll_source(ctx, load_sources(ctx.settings.sources_file).sources[0])  # type: ignore[arg-type]
    assert result.finished == 0 and len(result.failed) == 3  # left at the facility
    with ctx.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ingested_files)) == 0
        assert conn.scalar(select(func.count()).select_from(forward_outbox)) == 0
    monkeypatch.setattr(outbox, "enqueue_recorded", real)
    assert poll_source(ctx, load_sources(ctx.settings.sources_file).sources[0]).finished == 3  # type: ignore[arg-type]
    with ctx.engine.connect() as conn:
        files = dict(conn.execute(select(ingested_files.c.id, ingested_files.c.outcome)).all())
        queued = set(conn.scalars(select(forward_outbox.c.file_id)))
    assert sorted(files.values()) == ["ok", "ok", "quarantined"]
    assert queued == {i for i, outcome in files.items() if outcome == "ok"}


def test_a_refused_file_holds_back_only_its_station_then_becomes_a_dead_letter(
    settings: Settings, ministry: FaultyFtpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    context = _ctx(settings, tmp_path, None)
    context.settings = context.settings.model_copy(
        update={
            "forward_file": forward_file(
                tmp_path, ministry.port, max_attempts=2, backoff_seconds=60, max_backoff_seconds=600
            )
        }
    )
    fwd = forwarding_for(context)
    slots = _slots(3)
    sent = write_slots(tmp_path / "facility", models(context.engine, 2), slots)
    _poll(context)
    paths = sorted(_expected(sent), key=lambda p: (p.split("/")[1], p))
    first, blocked, third = paths[:3]  # the first station's three files, in time order
    # A folder where the middle file must go: the ministry refuses the rename (550).
    (ministry.root / blocked).mkdir(parents=True)

    run = fwd.send("ministry")  # the first station stops at its refused file; the other goes on
    assert (run.sent, run.retrying, run.dead) == (4, 1, 0)
    assert (ministry.root / first).is_file() and not (ministry.root / third).exists()
    assert fwd.send("ministry").sent == 0  # within its back-off the file is not retried
    fwd.clock = lambda: now_epoch() + 120  # two minutes later
    run = fwd.send("ministry")  # second refusal: dead letter, and the station moves on
    assert (run.sent, run.dead) == (1, 1)
    assert (ministry.root / third).is_file()
    (status,) = fwd.status()
    assert (status.pending, status.dead) == (0, 1)
    with context.engine.connect() as conn:
        (error,) = conn.scalars(
            select(forward_outbox.c.last_error).where(forward_outbox.c.state == "dead")
        )
    assert error.startswith("550")

    (ministry.root / blocked).rmdir()  # the ministry fixed its side; an officer retries
    with context.engine.begin() as conn:
        from stations.forward.outbox import requeue

        assert requeue(conn, "ministry", None, now_epoch()) == 1
    assert fwd.send("ministry").sent == 1
    assert held(ministry.root) == _expected(sent)
    context.engine.dispose()
