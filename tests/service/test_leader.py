"""Scheduler leadership: a PostgreSQL advisory lock, or a file lock beside the SQLite database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from service.database import make_engine
from service.worker.leader import AdvisoryLock, SchedulerLeader


class FakeScheduler:
    """Stands in for a started APScheduler."""

    def __init__(self) -> None:
        self.stopped = False

    def shutdown(self, wait: bool = False) -> None:
        self.stopped = True


def test_only_one_replica_leads_and_another_takes_over(engine: Engine, db_url: str) -> None:
    started: list[FakeScheduler] = []

    def start() -> FakeScheduler:
        started.append(FakeScheduler())
        return started[-1]

    first = SchedulerLeader(engine, start, retry_seconds=3600).start()
    assert first.is_leader
    other_engine = make_engine(db_url)  # a second replica (or `quantrac worker`): its own pool
    second = SchedulerLeader(other_engine, start, retry_seconds=3600).start()
    try:
        assert not second.is_leader and len(started) == 1
        first.shutdown()
        assert started[0].stopped
        assert second.step() and len(started) == 2
    finally:
        second.shutdown()
        other_engine.dispose()


def test_a_dead_lock_connection_stops_the_scheduler(engine: Engine, db_url: str) -> None:
    if engine.dialect.name != "postgresql":
        assert AdvisoryLock(engine).try_acquire()
        return
    running = FakeScheduler()
    leader = SchedulerLeader(engine, lambda: running, retry_seconds=3600)
    assert leader.step()
    pid = leader.lock._conn.scalar(text("SELECT pg_backend_pid()"))  # type: ignore[union-attr]
    leader.lock._conn.commit()  # type: ignore[union-attr]
    killer = make_engine(db_url)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    killer.dispose()
    leader.step()  # notices the lost connection, stops, then takes the (now free) lock again
    assert running.stopped
    leader.shutdown()
