""":class:`LimitTable`: lookups by regulation, parameter, averaging, column and day."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from stations.errors import ImportRejected, RowError
from stations.limits.model import Limit

_CODE = re.compile(r"(\d+)(?:-MT)?\s*:\s*(\d{4})", re.IGNORECASE)


def regulation_code(name: str) -> str:
    """A canonical short code for a regulation name: ``"QCVN 40:2011/BTNMT"`` → ``"40:2011"``.

    Officers type regulation names in permits in many ways ("QCVN 40:2011", "qcvn 40:2011/btnmt");
    the number and year identify the regulation.
    """
    match = _CODE.search(name)
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else name.strip().upper()


class LimitTable:
    """All loaded limit rows, indexed for lookups (built once, read-only)."""

    def __init__(self, rows: Iterable[Limit]) -> None:
        self.rows: tuple[Limit, ...] = tuple(rows)
        self._index: dict[tuple[str, str, str], list[Limit]] = defaultdict(list)
        for row in self.rows:
            key = (regulation_code(row.regulation), row.parameter, row.averaging)
            self._index[key].append(row)
        self._check_overlaps()

    def _check_overlaps(self) -> None:
        errors: list[RowError] = []
        for rows in self._index.values():
            for i, a in enumerate(rows):
                for b in rows[i + 1 :]:
                    if (a.table, a.column_class) != (b.table, b.column_class):
                        continue
                    if _overlap(a, b):
                        row = int(b.source.rsplit(":", 1)[-1]) if ":" in b.source else 0
                        errors.append(
                            RowError(row, "effective_from", f"overlaps {a.source} ({a.parameter})")
                        )
        if errors:
            raise ImportRejected("limits", errors)

    def __iter__(self) -> Iterator[Limit]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def regulations(self) -> list[str]:
        """The regulation names present, sorted."""
        return sorted({r.regulation for r in self.rows})

    def find(
        self,
        regulation: str,
        parameter: str,
        averaging: str,
        *,
        column: str | None = None,
        day: date | None = None,
    ) -> Limit | None:
        """The row in force on ``day`` (any day if None) for the column (rows without a column
        apply to every column). A row for the exact column wins over a column-less row.
        Returns missing rows too: callers check :attr:`Limit.missing`.
        """
        candidates = self._index.get((regulation_code(regulation), parameter, averaging), [])
        best: Limit | None = None
        for row in candidates:
            if day is not None and not row.in_force(day):
                continue
            if row.column_class is not None and row.column_class != (column or "").upper():
                continue
            if best is None or (best.column_class is None and row.column_class is not None):
                best = row
        return best

    def for_regulation(self, regulation: str, *, day: date | None = None) -> list[Limit]:
        """Every row of one regulation (in force on ``day`` when given)."""
        code = regulation_code(regulation)
        return [
            r
            for r in self.rows
            if regulation_code(r.regulation) == code and (day is None or r.in_force(day))
        ]


def _overlap(a: Limit, b: Limit) -> bool:
    a_start = a.effective_from or date.min
    b_start = b.effective_from or date.min
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a_start <= b_end and b_start <= a_end
