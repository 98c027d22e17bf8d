"""A per-process bound on request threads doing CPU-bound Python at once: a two-thread pool
with a queue, for the readings API and the compliance summary.

Sync routes run in a thread pool of up to 40 threads, but Python runs one thread at a time: with
ten clients building readings answers, ten threads took turns on the interpreter lock every few
milliseconds, the event loop waited behind them to send the finished answers, and throughput
fell below that of two clients (bench/README.md, "Readings over long windows"). Two threads let
one request's database wait overlap another's Python work.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

CPU_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="answers")
"""Two threads per process that build readings answers and compliance summaries, fed from one
queue. A semaphore (what bounded them before) parks every waiting request in a thread of its
own, and each release woke one of them to contend for the interpreter lock: py-spy found 10 % of
a worker's lock-holding samples in ``Semaphore.release`` at 10 clients. Work queued here waits
in the executor's queue and a thread that finishes takes the next item itself, with no thread
woken."""


async def on_cpu_pool(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in :data:`CPU_POOL`, awaited from the event loop, in a copy of the
    caller's context variables (as Starlette's thread pool runs sync routes)."""
    call = partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(CPU_POOL, call)
