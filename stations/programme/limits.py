"""Limit rows (:class:`stations.limits.Limit`) for the periodic programme, read from
``stations/data/limits/*.csv`` (data, not code).

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
from datetime import date, datetime
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


def _local_day(at: int) -> date:
    """The Vietnamese calendar day of an epoch (limit rows are in force by local day)."""
    return datetime.fromtimestamp(at, VN_OFFSET).date()


def programme_limits(directory: Path | None = None) -> tuple[Limit, ...]:
    """Every limit row of the programme's media, through the shared loader
    :func:`stations.limits.load_limits` (which rejects bad rows): the files in ``directory``,
    or by default the package files with the administrator's overlay applied."""
    return _programme_rows(load_limits(directory))


# Keyed by the table object: load_limits() hands back the same table until the overlay changes.
@lru_cache(maxsize=4)
def _programme_rows(table: LimitTable) -> tuple[Limit, ...]:
    return tuple(r for r in table if r.medium in PROGRAMME_MEDIA)


@dataclass(frozen=True, slots=True)
class LimitIndex:
    """Limit rows grouped by (medium, parameter, averaging) for fast selection."""

    by_key: dict[tuple[str, str, str], tuple[Limit, ...]]

    @classmethod
    def build(cls, rows: Iterable[Limit]) -> LimitIndex:
        """Index ``rows``."""
        grouped: dict[tuple[str, str, str], list[Limit]] = {}
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
    ) -> Limit | None:
        """The row that applies, or None when no limit is configured.

        A row for the point's class wins over a row for every class; among equals, the
        medium's regulation (:data:`REGULATION_OF_MEDIUM`) wins, then the latest in force.
        """
        wanted = (column_class or "").upper() or None
        day = _local_day(at)
        candidates = [
            r
            for r in self.by_key.get((medium, parameter, averaging), ())
            if r.in_force(day) or (r.missing and r.effective_from is None)
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
                r.effective_from or date.min,
            ),
        )


def default_index() -> LimitIndex:
    """The index over the repository's limit files with the administrator's overlay."""
    return _index_of(load_limits())


@lru_cache(maxsize=4)
def _index_of(table: LimitTable) -> LimitIndex:
    return LimitIndex.build(_programme_rows(table))
