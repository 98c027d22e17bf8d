"""The readings answers' thread pool (service/web/cpu_slots.py): work runs on its threads, off
the event loop, with the caller's context variables, and its errors reach the caller (a 400
raised while building an answer must still become a 400); the app sizes it for its database:
one thread on SQLite (nothing to wait for), two on PostgreSQL (one waits for rows)."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from service.web import cpu_slots
from service.web.cpu_slots import on_cpu_pool, pool_threads

ASKED = contextvars.ContextVar("asked", default="none")


def _where(x: int) -> tuple[int, str, str]:
    return x * 2, threading.current_thread().name, ASKED.get()


def _fails() -> None:
    raise ValueError("bad window")


def test_runs_on_the_pool_with_the_callers_context() -> None:
    async def main() -> list[tuple[int, str, str]]:
        ASKED.set("request 7")
        return await asyncio.gather(*(on_cpu_pool(_where, k) for k in range(6)))

    got = asyncio.run(main())
    assert [g[0] for g in got] == [0, 2, 4, 6, 8, 10]
    assert {g[2] for g in got} == {"request 7"}
    assert {g[1].rsplit("_", 1)[0] for g in got} == {"answers"}


def test_errors_reach_the_caller() -> None:
    with pytest.raises(ValueError, match="bad window"):
        asyncio.run(on_cpu_pool(_fails))


@pytest.mark.parametrize(("dialect", "threads"), [("sqlite", 1), ("postgresql", 2)])
def test_the_pool_is_sized_for_the_database(dialect: str, threads: int) -> None:
    before = pool_threads()
    try:
        cpu_slots.configure(dialect)
        assert pool_threads() == threads
        assert cpu_slots.CPU_POOL._max_workers == threads  # the executor itself
        seen = asyncio.run(_threads_seen(4 * threads))
        assert len(seen) <= threads and seen <= {f"answers_{i}" for i in range(threads)}
    finally:
        cpu_slots.configure("sqlite" if before == 1 else "postgresql")


async def _threads_seen(n: int) -> set[str]:
    """Names of the pool threads that ran ``n`` calls queued at once."""

    def name() -> str:
        time.sleep(0.01)  # long enough for every thread the pool has to take one
        return threading.current_thread().name

    return set(await asyncio.gather(*(on_cpu_pool(name) for _ in range(n))))


def test_the_app_sizes_the_pool_for_its_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from service.settings import Settings
    from service.web.app import create_app

    before = pool_threads()
    try:
        cpu_slots.configure("postgresql")
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'q.db'}", data_dir=tmp_path))
        assert pool_threads() == 1
    finally:
        cpu_slots.configure("sqlite" if before == 1 else "postgresql")
