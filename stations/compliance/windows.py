"""Group per-station time windows so one query reads a whole batch of stations.

The after-ingest step evaluates every station a polled batch touched; their windows are almost
always the same hours. One query per group reads the union of its windows for all its stations
and the caller keeps, per station, the rows of its own window, so the answer is the one separate
queries would give. A group never makes its stations read more than twice the rows separate
reads would (a station far behind the others gets its own group).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from stations.averaging import HOUR

K = TypeVar("K", bound=Hashable)
# IN lists stay well under SQLite's bound-parameter limit and PostgreSQL's planner sweet spot.
MAX_GROUP = 500


@dataclass
class WindowGroup(Generic[K]):
    """Keys read together over ``[lo, hi)``; ``windows[key]`` is each key's own window."""

    lo: int
    hi: int
    windows: dict[K, tuple[int, int]] = field(default_factory=dict)
    _weight: int = 0


def group_windows(windows: Iterable[tuple[K, int, int]]) -> list[WindowGroup[K]]:
    """Group ``(key, lo, hi)`` windows (each key once) for shared range reads."""
    groups: list[WindowGroup[K]] = []
    for key, lo, hi in sorted(windows, key=lambda w: (w[1], w[2])):
        weight = max(hi - lo, HOUR)
        last = groups[-1] if groups else None
        if last is not None and len(last.windows) < MAX_GROUP:
            lo2, hi2 = min(last.lo, lo), max(last.hi, hi)
            if (hi2 - lo2) * (len(last.windows) + 1) <= 2 * (last._weight + weight):
                last.lo, last.hi, last._weight = lo2, hi2, last._weight + weight
                last.windows[key] = (lo, hi)
                continue
        groups.append(WindowGroup(lo, hi, {key: (lo, hi)}, weight))
    return groups


def chunks(keys: Iterable[K], size: int = MAX_GROUP) -> list[list[K]]:
    """``keys`` in lists of at most ``size`` (for IN lists)."""
    items = list(keys)
    return [items[i : i + size] for i in range(0, len(items), size)]
