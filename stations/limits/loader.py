"""Read and validate every limits CSV in ``stations/data/limits/`` into a :class:`LimitTable`.

Format (one row per limit): ``regulation,table,medium,parameter,averaging,column_class,value,
low,high,unit,effective_from,effective_to,applies_coefficients,citation,confidence,note``.
A file with a bad row is refused whole, naming every bad row (:class:`ImportRejected`).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cache
from pathlib import Path

from stations.errors import ImportRejected, RowError
from stations.limits.model import AVERAGINGS, COLUMN_CLASSES, Confidence, Limit
from stations.limits.table import LimitTable

LIMITS_DIR = Path(__file__).resolve().parent.parent / "data" / "limits"
COLUMNS = (
    "regulation,table,medium,parameter,averaging,column_class,value,low,high,unit,"
    "effective_from,effective_to,applies_coefficients,citation,confidence,note"
).split(",")
MEDIA = (
    "ambient_air",
    "wastewater",
    "flue_gas",
    "surface_water",
    "groundwater",
    "noise",
    "soil",
)


def _number(text: str, column: str, errors: list[str]) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        errors.append(f"{column}: không phải số / not a number: {text!r}")
        return None


def _day(text: str, column: str, errors: list[str]) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"{column}: expected YYYY-MM-DD, got {text!r}")
        return None


def _parse_row(raw: dict[str, str], source: str) -> tuple[Limit | None, list[str]]:
    errors: list[str] = []
    cell = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    for required in ("regulation", "medium", "parameter", "unit", "citation"):
        if not cell[required]:
            errors.append(f"{required}: trống / empty")
    if cell["medium"] and cell["medium"] not in MEDIA:
        errors.append(f"medium: expected one of {', '.join(MEDIA)}, got {cell['medium']!r}")
    if cell["averaging"] not in AVERAGINGS:
        errors.append(f"averaging: expected one of {', '.join(AVERAGINGS)}")
    column = cell["column_class"].upper() or None
    if column is not None and column not in COLUMN_CLASSES:
        errors.append(f"column_class: expected A, B, C, D or empty, got {column!r}")
    value = _number(cell["value"], "value", errors)
    low = _number(cell["low"], "low", errors)
    high = _number(cell["high"], "high", errors)
    if low is not None and high is not None and low > high:
        errors.append(f"low {low} > high {high}")
    if value is not None and (low is not None or high is not None):
        errors.append("give value (a maximum) or low/high (a range), not both")
    start = _day(cell["effective_from"], "effective_from", errors)
    end = _day(cell["effective_to"], "effective_to", errors)
    if start and end and start > end:
        errors.append("effective_from is after effective_to")
    applies = cell["applies_coefficients"].lower()
    if applies not in ("yes", "no"):
        errors.append(f"applies_coefficients: expected yes or no, got {applies!r}")
    try:
        confidence = Confidence(cell["confidence"].lower())
    except ValueError:
        errors.append("confidence: expected high, medium, low or missing")
        confidence = Confidence.MISSING
    empty = value is None and low is None and high is None
    if confidence is Confidence.MISSING and not empty:
        errors.append("confidence 'missing' but a value is given")
    if empty and confidence is not Confidence.MISSING:
        errors.append("no value: set confidence 'missing' (enter from the official text)")
    if errors:
        return None, errors
    return (
        Limit(
            regulation=cell["regulation"],
            table=cell["table"],
            medium=cell["medium"],
            parameter=cell["parameter"],
            averaging=cell["averaging"],
            column_class=column,
            value=value,
            low=low,
            high=high,
            unit=cell["unit"],
            effective_from=start,
            effective_to=end,
            applies_coefficients=applies == "yes",
            citation=cell["citation"],
            confidence=confidence,
            note=cell["note"],
            source=source,
        ),
        [],
    )


def parse_limits_csv(text: str, name: str) -> list[Limit]:
    """Parse one limits CSV; raise :class:`ImportRejected` naming every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected(name, [RowError(1, c, "thiếu cột / missing column") for c in missing])
    out: list[Limit] = []
    errors: list[RowError] = []
    for number, raw in enumerate(reader, start=2):
        limit, problems = _parse_row(raw, f"{name}:{number}")
        errors += [RowError(number, p.split(":")[0], p) for p in problems]
        if limit is not None:
            out.append(limit)
    if errors:
        raise ImportRejected(name, errors)
    return out


def load_limits(folder: Path | str | None = None) -> LimitTable:
    """Every ``*.csv`` in ``folder`` (default ``stations/data/limits``) as one :class:`LimitTable`.

    Overlapping rows (same regulation, table, parameter, averaging and column in force on the
    same day) are refused: the engine must never have to choose between two values.
    """
    path = Path(folder) if folder is not None else LIMITS_DIR
    if folder is None:
        return _default_table()
    return _load(path)


@cache
def _default_table() -> LimitTable:
    return _load(LIMITS_DIR)


def _load(path: Path) -> LimitTable:
    rows: list[Limit] = []
    for file in sorted(path.glob("*.csv")):
        rows += parse_limits_csv(file.read_bytes().decode("utf-8-sig"), file.name)
    return LimitTable(rows)
