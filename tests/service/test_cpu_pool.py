"""The readings answers' thread pool (service/web/cpu_slots.py): work runs on one of its two
threads, off the event loop, with the caller's context variables, and its errors reach the
caller (a 400 raised while building an answer must still become a 400)."""

from __future__ import annotations

import asyncio
import contextvars
import threading

import pytest

from service.web.cpu_slots import CPU_POOL, on_cpu_pool

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
    assert CPU_POOL._max_workers == 2


def test_errors_reach_the_caller() -> None:
    with pytest.raises(ValueError, match="bad window"):
        asyncio.run(on_cpu_pool(_fails))
