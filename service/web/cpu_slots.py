"""A per-process bound on request threads doing CPU-bound Python at once: a small thread pool
with a queue, for the readings API and the compliance summary.

Sync routes run in a thread pool of up to 40 threads, but Python runs one thread at a time: with
ten clients building readings answers, ten threads took turns on the interpreter lock every few
milliseconds, the event loop waited behind them to send the finished answers, and throughput
fell below that of two clients (bench/README.md, "Readings over long windows").

How many threads depends on the database (:func:`configure`, at app start). On PostgreSQL a
second thread builds one answer while another waits for the server's rows. On SQLite the rows
come from this process's own page cache, so nothing waits: a second thread only contends for
the interpreter lock each time SQLite gives it up (py-spy: 4 % of a worker's samples waiting
in a bare ``BEGIN``). Side by side, one thread answered more requests in 5 of 8 comparisons
and took less CPU per answer in 7 (bench/README.md, round 8).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")


def threads_for(dialect: str) -> int:
    """Threads of the pool for a database dialect: one for SQLite, two otherwise."""
    return 1 if dialect == "sqlite" else 2


def _pool(threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="answers")


_threads = 2
CPU_POOL = _pool(_threads)
"""The threads that build readings answers and compliance summaries, fed from one queue. A
semaphore (what bounded them before) parks every waiting request in a thread of its own, and
each release woke one of them to contend for the interpreter lock: py-spy found 10 % of a
worker's lock-holding samples in ``Semaphore.release`` at 10 clients. Work queued here waits in
the executor's queue and a thread that finishes takes the next item itself, with no thread
woken."""


def configure(dialect: str) -> None:
    """Size the pool for the app's database (before it serves; work already queued on the
    previous pool still runs there)."""
    global CPU_POOL, _threads
    threads = threads_for(dialect)
    if threads != _threads:
        old, CPU_POOL, _threads = CPU_POOL, _pool(threads), threads
        old.shutdown(wait=False)


def pool_threads() -> int:
    """How many threads the pool has now."""
    return _threads


async def on_cpu_pool(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in :data:`CPU_POOL`, awaited from the event loop, in a copy of the
    caller's context variables (as Starlette's thread pool runs sync routes)."""
    call = partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(CPU_POOL, call)
