"""Limit rows for the periodic programme, read from ``stations/data/limits/*.csv`` (data, not code).

The file format is shared with the compliance engine (``docs/compliance.md``): one row per
regulation × table × medium × parameter × averaging × column/class, with a maximum (``value``),
a permitted range or minimum (``low``/``high``), unit, dates in force, citation and confidence.
A row with ``confidence=missing`` has no value: comparisons report "no limit configured".

This module chooses the row that applies to one laboratory result: same medium, parameter and
averaging; the point's class (QCVN 08:2023 level A–D) or a row that applies to every class
(empty ``column_class``); in force on the sampling date; and, when several regulations are in
force, the one :data:`REGULATION_OF_MEDIUM` names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from stations.limits import Limit, LimitTable, load_limits
from stations.timeutil import VN_OFFSET

# The regulation a medium is compared with when rows of several regulations are in force.
REGULATION_OF_MEDIUM = {
    "surface_water": "QCVN 08:2023/BTNMT",
    "groundwater": "QCVN 09:2023/BTNMT",
    "ambient_air": "QCVN 05:2023/BTNMT",
}
PROGRAMME_MEDIA = ("surface_water", "groundwater", "ambient_air", "noise", "soil")


@dataclass(frozen=True, slots=True)
class LimitRow:
    """One limit as written in the data file; times are UTC epoch seconds (``to`` exclusive)."""

    regulation: str
    table: str
    medium: str
    parameter: str
    averaging: str
    column_class: str | None
    value: float | None
    low: float | None
    high: float | None
    unit: str
    valid_from: int | None
    valid_to: int | None
    citation: str
    confidence: str
    note: str

    @property
    def missing(self) -> bool:
        """True when the row names the limit but carries no value (to be entered)."""
        return self.value is None and self.low is None and self.high is None

    @property
    def maximum(self) -> float | None:
        """The upper bound: ``value`` or ``high``, whichever is set (the smaller if both)."""
        bounds = [b for b in (self.value, self.high) if b is not None]
        return min(bounds) if bounds else None

    def in_force(self, at: int) -> bool:
        """True when the row applies at ``at`` (epoch seconds)."""
        return (self.valid_from is None or at >= self.valid_from) and (
            self.valid_to is None or at < self.valid_to
        )

    def describe(self) -> str:
        """The limit as an officer reads it: ``≤ 0.3``, ``6.5–8.5``, ``≥ 5``."""
        if self.missing:
            return "chưa nhập / not entered"
        upper = self.maximum
        if self.low is not None and upper is not None:
            return f"{self.low:g}–{upper:g}"
        if self.low is not None:
            return f"≥ {self.low:g}"
        return f"≤ {upper:g}"


def _day_start(day: date | None, *, next_day: bool = False) -> int | None:
    if day is None:
        return None
    day += timedelta(days=1 if next_day else 0)
    return int(datetime(day.year, day.month, day.day, tzinfo=VN_OFFSET).timestamp())


def _as_row(limit: Limit) -> LimitRow:
    # The compliance engine's loader validates the files; here a row only changes shape:
    # local calendar days (inclusive) become epoch bounds (``to`` exclusive).
    return LimitRow(
        regulation=limit.regulation,
        table=limit.table,
        medium=limit.medium,
        parameter=limit.parameter,
        averaging=limit.averaging or "sample",
        column_class=limit.column_class,
        value=limit.value,
        low=limit.low,
        high=limit.high,
        unit=limit.unit,
        valid_from=_day_start(limit.effective_from),
        valid_to=_day_start(limit.effective_to, next_day=True),
        citation=limit.citation,
        confidence=str(limit.confidence),
        note=limit.note,
    )


def programme_limits(directory: Path | None = None) -> tuple[LimitRow, ...]:
    """Every limit row of the programme's media, through the shared loader
    :func:`stations.limits.load_limits` (which rejects bad rows): the files in ``directory``,
    or by default the package files with the administrator's overlay applied."""
    return _programme_rows(load_limits(directory))


# Keyed by the table object: load_limits() hands back the same table until the overlay changes.
@lru_cache(maxsize=4)
def _programme_rows(table: LimitTable) -> tuple[LimitRow, ...]:
    return tuple(_as_row(r) for r in table if r.medium in PROGRAMME_MEDIA)


@dataclass(frozen=True, slots=True)
class LimitIndex:
    """Limit rows grouped by (medium, parameter, averaging) for fast selection."""

    by_key: dict[tuple[str, str, str], tuple[LimitRow, ...]]

    @classmethod
    def build(cls, rows: Iterable[LimitRow]) -> LimitIndex:
        """Index ``rows``."""
        grouped: dict[tuple[str, str, str], list[LimitRow]] = {}
        for row in rows:
            grouped.setdefault((row.medium, row.parameter, row.averaging), []).append(row)
        return cls({k: tuple(v) for k, v in grouped.items()})

    def select(
        self,
        medium: str,
        parameter: str,
        averaging: str,
        at: int,
        column_class: str | None = None,
    ) -> LimitRow | None:
        """The row that applies, or None when no limit is configured.

        A row for the point's class wins over a row for every class; among equals, the
        medium's regulation (:data:`REGULATION_OF_MEDIUM`) wins, then the latest in force.
        """
        wanted = (column_class or "").upper() or None
        candidates = [
            r
            for r in self.by_key.get((medium, parameter, averaging), ())
            if r.in_force(at) or (r.missing and r.valid_from is None)
            if r.column_class is None or r.column_class == wanted
        ]
        if not candidates:
            return None
        preferred = REGULATION_OF_MEDIUM.get(medium)
        return max(
            candidates,
            key=lambda r: (
                r.column_class is not None,
                r.regulation == preferred,
                r.valid_from or 0,
            ),
        )


def default_index() -> LimitIndex:
    """The index over the repository's limit files with the administrator's overlay."""
    return _index_of(load_limits())


@lru_cache(maxsize=4)
def _index_of(table: LimitTable) -> LimitIndex:
    return LimitIndex.build(_programme_rows(table))
