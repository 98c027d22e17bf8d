"""The administrator's overlay on the cited limit files: identity, stable keys, merging.

An overlay row replaces the package row with the same *identity* — regulation (by its code,
so "QCVN 40:2011" and "QCVN 40:2011/BTNMT" are the same), table, parameter, averaging,
column/class and effective-from day — or, when no package row has it, adds a row. The merged
rows then go through the same validation as the package files (overlaps are refused).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from stations.errors import ImportRejected, RowError
from stations.limits.model import Limit
from stations.limits.table import regulation_code

Identity = tuple[str, str, str, str, str, str]


def identity(limit: Limit) -> Identity:
    """What makes a limit row the same row in the package files and in the overlay."""
    return (
        regulation_code(limit.regulation),
        limit.table,
        limit.parameter,
        limit.averaging,
        limit.column_class or "",
        limit.effective_from.isoformat() if limit.effective_from else "",
    )


def row_key(limit: Limit) -> str:
    """A short, URL-safe key of a row's identity; stable across edits of its value."""
    return hashlib.sha256("|".join(identity(limit)).encode()).hexdigest()[:16]


def merge_overrides(package: Iterable[Limit], overlay: Iterable[Limit]) -> list[Limit]:
    """Package rows with overlay rows in place of those with the same identity, then the
    overlay's new rows. Two overlay rows with one identity are refused (which would win?)."""
    replacing: dict[Identity, Limit] = {}
    errors: list[RowError] = []
    for row in overlay:
        same = replacing.get(identity(row))
        if same is not None:
            errors.append(_row_error(row, f"same row as {same.source}"))
        replacing[identity(row)] = row
    if errors:
        raise ImportRejected("limits overlay", errors)
    merged = [replacing.pop(identity(row), row) for row in package]
    return merged + list(replacing.values())


def _row_error(row: Limit, message: str) -> RowError:
    number = row.source.rsplit(":", 1)[-1]
    return RowError(int(number) if number.isdigit() else 0, "regulation", message)
