"""Read and validate every limits CSV in ``stations/data/limits/`` into a :class:`LimitTable`.

Format (one row per limit): ``regulation,table,medium,parameter,averaging,column_class,value,
low,high,unit,effective_from,effective_to,applies_coefficients,citation,confidence,note``.
A file with a bad row is refused whole, naming every bad row (:class:`ImportRejected`).

An administrator's overlay file in the same format (``configure_overrides``) replaces package
rows with the same identity or adds rows (:mod:`stations.limits.overrides`). ``load_limits()``
returns the package table merged with it, re-read when the file changes (a ``stat()`` per call).
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterable
from datetime import date
from functools import cache
from pathlib import Path

from stations.errors import ImportRejected, RowError
from stations.limits.model import AVERAGINGS, COLUMN_CLASSES, Confidence, Limit
from stations.limits.overrides import merge_overrides
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


def _cell(value: float | None) -> str:
    if value is None:
        return ""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def format_limits_csv(rows: Iterable[Limit]) -> str:
    """The limits CSV that :func:`parse_limits_csv` reads back into the same rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                r.regulation,
                r.table,
                r.medium,
                r.parameter,
                r.averaging,
                r.column_class or "",
                _cell(r.value),
                _cell(r.low),
                _cell(r.high),
                r.unit,
                r.effective_from.isoformat() if r.effective_from else "",
                r.effective_to.isoformat() if r.effective_to else "",
                "yes" if r.applies_coefficients else "no",
                r.citation,
                str(r.confidence),
                r.note,
            ]
        )
    return out.getvalue()


def load_limits(folder: Path | str | None = None) -> LimitTable:
    """Every ``*.csv`` in ``folder`` as one :class:`LimitTable`; without a folder, the package
    files (``stations/data/limits``) merged with the overlay of :func:`configure_overrides`.

    Overlapping rows (same regulation, table, parameter, averaging and column in force on the
    same day) are refused: the engine must never have to choose between two values.
    """
    if folder is None:
        return limits_with_overrides(_overrides["path"])
    return _load(Path(folder))


@cache
def package_table() -> LimitTable:
    """The cited package files alone (read once)."""
    return _load(LIMITS_DIR)


def _load(path: Path) -> LimitTable:
    rows: list[Limit] = []
    for file in sorted(path.glob("*.csv")):
        rows += parse_limits_csv(file.read_bytes().decode("utf-8-sig"), file.name)
    return LimitTable(rows)


# --- the administrator's overlay ------------------------------------------------------------

_overrides: dict[str, Path | None] = {"path": None}
# path -> (file signature, merged table or the error it raised); a few entries at most.
_merged: dict[Path, tuple[tuple[int, int, int] | None, LimitTable | ImportRejected]] = {}
_merged_lock = threading.Lock()
_MAX_CACHED = 8


def configure_overrides(path: Path | str | None) -> None:
    """Name the overlay file ``load_limits()`` applies (the service calls this at start-up;
    None: the package files only). The file need not exist yet."""
    _overrides["path"] = Path(path) if path is not None else None


def overrides_path() -> Path | None:
    """The configured overlay file, if any."""
    return _overrides["path"]


def read_overrides(path: Path) -> list[Limit]:
    """The overlay's rows (none when the file does not exist); ImportRejected names bad rows."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        return []
    return parse_limits_csv(text, path.name)


def merged_table(overlay: list[Limit]) -> LimitTable:
    """The package rows with ``overlay`` applied, validated like any limits file."""
    return LimitTable(merge_overrides(package_table().rows, overlay))


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    # The inode changes with every atomic replace, so two edits within one mtime tick differ.
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def limits_with_overrides(path: Path | None) -> LimitTable:
    """The package table merged with the overlay at ``path``, cached until the file changes.

    A bad overlay raises :class:`ImportRejected` (naming its rows) on every call until fixed:
    the engine must not silently fall back to values the administrator replaced.
    """
    if path is None:
        return package_table()
    signature = _signature(path)
    cached = _merged.get(path)
    if cached is None or cached[0] != signature:
        with _merged_lock:
            try:
                built: LimitTable | ImportRejected = (
                    package_table() if signature is None else merged_table(read_overrides(path))
                )
            except ImportRejected as exc:
                built = exc
            if len(_merged) >= _MAX_CACHED and path not in _merged:
                _merged.pop(next(iter(_merged)))
            cached = _merged[path] = (signature, built)
    if isinstance(cached[1], ImportRejected):
        # A fresh exception each time: re-raising one object would grow its traceback.
        raise ImportRejected(cached[1].source, cached[1].errors)
    return cached[1]
