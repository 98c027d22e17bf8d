"""Verification of warnings against observed events: hits, misses, false alarms, CSI, lead time.

Per level L: a warning episode is a maximal run of issued level ≥ L at a place. An event (place,
time) is a hit when an episode at that place started at or before it and had not ended more than
``window_s`` before it; lead time = event time − episode start. An event with no such episode is
a miss; an episode with no event in [start, end + window] is a false alarm.
CSI = hits / (hits + misses + false alarms) (Gourley et al. 2012, as FFG/FLASH report it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median


@dataclass(frozen=True, slots=True)
class Scores:
    """The scores of one level."""

    level: int
    hits: int
    misses: int
    false_alarms: int
    lead_times_s: list[int] = field(default_factory=list)

    @property
    def csi(self) -> float | None:
        """Critical success index; None when nothing happened and nothing was warned."""
        n = self.hits + self.misses + self.false_alarms
        return self.hits / n if n else None

    @property
    def median_lead_s(self) -> int | None:
        """Median lead time of the hits, seconds."""
        return int(median(self.lead_times_s)) if self.lead_times_s else None


def episodes(series: Sequence[tuple[int, int | None]], level: int) -> list[tuple[int, int]]:
    """``[(start, end)]`` runs where the issued level is ≥ ``level`` (time-sorted input)."""
    out, start, last = [], None, None
    for t, lv in series:
        if lv is not None and lv >= level:
            start = t if start is None else start
            last = t
        elif start is not None:
            out.append((start, t))
            start = None
    if start is not None and last is not None:
        out.append((start, last))
    return out


def score(
    levels: Mapping[str, Sequence[tuple[int, int | None]]],
    events: Iterable[tuple[str, int]],
    level: int,
    window_s: int = 6 * 3600,
) -> Scores:
    """Scores of ``level`` for per-place issued-level series against ``(place, time)`` events."""
    eps = {place: episodes(series, level) for place, series in levels.items()}
    used: set[tuple[str, int]] = set()
    hits = misses = 0
    leads: list[int] = []
    for place, t in events:
        match = next((e for e in eps.get(place, []) if e[0] <= t <= e[1] + window_s), None)
        if match is None:
            misses += 1
            continue
        hits += 1
        leads.append(t - match[0])
        used.add((place, match[0]))
    false_alarms = sum(1 for p, es in eps.items() for e in es if (p, e[0]) not in used)
    return Scores(level, hits, misses, false_alarms, leads)
