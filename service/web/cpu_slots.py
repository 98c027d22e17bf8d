"""A per-process bound on request threads doing CPU-bound Python at once.

Sync routes run in a thread pool of up to 40 threads, but Python runs one thread at a time: with
ten clients building readings answers, ten threads took turns on the interpreter lock every few
milliseconds, the event loop waited behind them to send the finished answers, and throughput
fell below that of two clients (bench/README.md, "Readings over long windows"). Threads waiting
here hold no lock and cost nothing; two slots let one request's database wait overlap another's
Python work.
"""

from __future__ import annotations

import threading

CPU_SLOTS = threading.BoundedSemaphore(2)
"""Held while a route builds a large answer in Python (readings series, compliance summary)."""
