"""A per-process bound on request threads doing CPU-bound Python at once: a semaphore (the
compliance summary) and a two-thread pool with a queue (the readings API).

Sync routes run in a thread pool of up to 40 threads, but Python runs one thread at a time: with
ten clients building readings answers, ten threads took turns on the interpreter lock every few
milliseconds, the event loop waited behind them to send the finished answers, and throughput
fell below that of two clients (bench/README.md, "Readings over long windows"). Threads waiting
here hold no lock and cost nothing; two slots let one request's database wait overlap another's
Python work.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

T = TypeVar("T")

CPU_SLOTS = threading.BoundedSemaphore(2)
"""Held while the compliance summary is built in Python (the readings API uses :data:`CPU_POOL`)."""


CPU_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="answers")
"""Two threads per process that build readings answers, fed from one queue. Under load the
semaphore above parks every waiting request in a thread of its own, and each release woke one
of them to contend for the interpreter lock: py-spy found 10 % of a worker's lock-holding
samples in ``Semaphore.release`` at 10 clients. Work queued here waits in the executor's queue
and a thread that finishes takes the next item itself, with no thread woken."""


async def on_cpu_pool(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in :data:`CPU_POOL`, awaited from the event loop, in a copy of the
    caller's context variables (as Starlette's thread pool runs sync routes)."""
    call = partial(contextvars.copy_context().run, fn, *args)
    return await asyncio.get_running_loop().run_in_executor(CPU_POOL, call)
