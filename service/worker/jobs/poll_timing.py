"""Where a poll's time goes: one log line per poll, per stage (issue 20's load benchmark reads
it from the worker's log to tell storing from the after-ingest steps)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class PollTiming:
    """Seconds spent by one poll: storing batches, each after-ingest step, and in total (the
    rest is listing, fetching and moving files at the source)."""

    total_s: float = 0.0
    store_s: float = 0.0
    batches: int = 0
    chains: int = 0
    steps: dict[str, float] = field(default_factory=dict)  # step name -> seconds

    def summary(self, listed: int, fetched: int) -> str:
        """``listed=… fetched=… batches=… chains=… total=…s store=…s source=…s chain:…``."""
        chain = sum(self.steps.values())
        source = max(0.0, self.total_s - self.store_s - chain)
        steps = " ".join(f"{name}={s:.3f}s" for name, s in self.steps.items())
        return (
            f"listed={listed} fetched={fetched} batches={self.batches} chains={self.chains} "
            f"total={self.total_s:.3f}s store={self.store_s:.3f}s source={source:.3f}s "
            f"chain={chain:.3f}s {steps}"
        ).rstrip()


def merge_spans(into: dict[str, tuple[int, int]], spans: Mapping[str, tuple[int, int]]) -> None:
    """Widen ``into`` by ``spans``: each station's earliest start and latest end."""
    for station, (start, end) in spans.items():
        lo, hi = into.get(station, (start, end))
        into[station] = (min(lo, start), max(hi, end))
