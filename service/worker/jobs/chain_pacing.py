"""When a poll runs the after-ingest chain: once at its end, and every few seconds during a long
poll, over the stations of every batch committed since the chain last ran.

One place for the rule, so that the polling job (service/worker/jobs/ingest.py) and the live
ingest benchmark (bench/ingest_modes.py) pace the chain the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from service.worker.jobs.poll_timing import merge_spans
from stations.ingest.model import Spans


class ChainPacer:
    """Collects committed spans; runs ``chain(spans)`` after a batch once ``every_s`` have
    passed since the last run (or the start), and at :meth:`run_now` (the poll's end)."""

    def __init__(
        self,
        chain: Callable[[Spans], object],
        every_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chain, self.every_s, self.clock = chain, every_s, clock
        self.pending: dict[str, tuple[int, int]] = {}  # committed, not yet through the chain
        self.runs = 0
        self._due = clock() + every_s

    def committed(self, spans: Mapping[str, tuple[int, int]]) -> None:
        """A batch committed these spans: chain now if it is due."""
        merge_spans(self.pending, spans)
        if self.clock() >= self._due:
            self.run_now()

    def run_now(self) -> None:
        """Run the chain over everything pending (nothing when nothing is)."""
        if self.pending:
            spans = dict(self.pending)
            self.pending.clear()
            self.runs += 1
            self.chain(spans)
        self._due = self.clock() + self.every_s
