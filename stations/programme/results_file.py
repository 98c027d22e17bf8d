"""Read a laboratory results file (CSV or XLSX) and validate every row, all or nothing.

Every problem is collected as a :class:`~stations.errors.RowError` naming the row (the header is
row 1, as in a spreadsheet) and the column; one :class:`~stations.errors.ImportRejected` lists
them all, so the laboratory can fix the whole file in one pass. Checks: missing columns, unknown
point, unknown parameter or one not measured in the point's medium, unit not convertible,
non-numeric or out-of-range value, bad qualifier or averaging, date unreadable or outside the
round, duplicate row.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from stations.errors import ImportRejected, RowError
from stations.programme.catalogue import lab_catalogue
from stations.programme.rounds import round_window
from stations.programme.template import REQUIRED_COLUMNS, RESULTS_SHEET
from stations.programme.upload_limits import (
    MAX_ROWS,
    check_size,
    check_xlsx_archive,
    too_many_rows,
)
from stations.textfile import csv_error, decode_text
from stations.timeutil import VN_OFFSET, epoch_to_local_iso

AIR_AVERAGING = ("1h", "8h", "24h")
QUALIFIERS = ("", "<", ">")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)
_AMBIGUOUS_COMMA = re.compile(r"^-?[1-9]\d{0,2}(,\d{3})+$")  # 1,500: 1.5 or 1500?


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One validated result; ``value`` and ``unit`` are canonical, ``sampled_at`` UTC epoch."""

    row: int
    year: int
    number: int
    point_id: str
    parameter: str
    sampled_at: int
    averaging: str
    value: float
    unit: str
    qualifier: str
    value_reported: float
    unit_reported: str
    laboratory: str | None
    method: str | None
    note: str | None

    @property
    def key(self) -> tuple[int, int, str, str, int, str]:
        """What makes a result unique: round, point, parameter, sampling time, averaging."""
        return (
            self.year,
            self.number,
            self.point_id,
            self.parameter,
            self.sampled_at,
            self.averaging,
        )


def _cell_text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    """``[(row number, {column: cell})]`` from CSV (UTF-8, BOM allowed) or XLSX bytes."""
    check_size(data, filename)
    if filename.lower().endswith((".xlsx", ".xlsm")):
        check_xlsx_archive(data, filename)
        return _read_xlsx(data, filename)
    text = decode_text(data, filename).text
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[int, dict[str, Any]]] = []
    try:
        header = next(reader, [])
        _check_header(header, filename)
        keys = [_key(h) for h in header]
        for cells in reader:
            if any(c.strip() for c in cells):
                if len(rows) >= MAX_ROWS:
                    raise too_many_rows(filename, reader.line_num)
                rows.append((reader.line_num, dict(zip(keys, cells, strict=False))))
    except csv.Error as exc:  # e.g. a field over the csv module's 128 kB limit
        raise csv_error(exc, reader.line_num, filename) from exc
    return rows


def _key(column: str) -> str:
    return column.strip().lower()


def _check_header(header: list[str], filename: str) -> None:
    present = {_key(h) for h in header if h}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise ImportRejected(
            filename, [RowError(1, c, "thiếu cột / missing column") for c in missing]
        )


def _read_xlsx(data: bytes, filename: str) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportRejected(
            filename, [RowError(1, "-", f"không đọc được XLSX / unreadable XLSX: {exc}")]
        ) from exc
    ws = wb[RESULTS_SHEET] if RESULTS_SHEET in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [_cell_text(h) for h in next(it, ())]
    _check_header(header, filename)
    keys = [_key(h) for h in header]
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in enumerate(it, start=2):
        if all(v is None or _cell_text(v) == "" for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            wb.close()
            raise too_many_rows(filename, number)
        rows.append((number, {k: v for k, v in zip(keys, values, strict=False) if k}))
    wb.close()
    return rows


def parse_number(cell: Any) -> float:
    """A finite number from a cell: ``4.2``, ``4,2`` (decimal comma); ``1,500`` is refused."""
    if isinstance(cell, bool):
        raise ValueError("not a number")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        text = _cell_text(cell).replace(" ", "")
        if _AMBIGUOUS_COMMA.match(text):
            raise ValueError(f"mơ hồ / ambiguous {text!r}: write 1500 or 1.5")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        value = float(text)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def parse_local_time(cell: Any) -> int:
    """UTC epoch seconds from a sampling time (naive = Vietnam local time, UTC+7)."""
    if isinstance(cell, datetime):
        dt = cell
    elif isinstance(cell, date):
        dt = datetime(cell.year, cell.month, cell.day)
    else:
        text = _cell_text(cell).replace("T", " ")
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            for fmt in _DATE_FORMATS:
                try:
                    dt = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ValueError(f"không đọc được ngày giờ / unreadable date {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_OFFSET)
    return int(dt.timestamp())


def validate_rows(
    rows: list[tuple[int, dict[str, Any]]],
    point_media: Mapping[str, str],
    source: str = "<results>",
) -> list[ResultRecord]:
    """Validate every row against the points (``{id: medium}``) and the catalogue."""
    errors: list[RowError] = []
    if not rows:
        raise ImportRejected(source, [RowError(1, "-", "tệp không có dòng nào / no rows")])
    records: list[ResultRecord] = []
    seen: dict[tuple[int, int, str, str, int, str], int] = {}
    for number, cells in rows:
        record = _validate_row(number, cells, point_media, errors)
        if record is None:
            continue
        first = seen.setdefault(record.key, number)
        if first != number:
            errors.append(RowError(number, "-", f"trùng dòng {first} / duplicate of row {first}"))
            continue
        records.append(record)
    if errors:
        raise ImportRejected(source, errors)
    return records


def _validate_row(
    number: int, cells: Mapping[str, Any], point_media: Mapping[str, str], errors: list[RowError]
) -> ResultRecord | None:
    n_before = len(errors)

    def err(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    def text(column: str) -> str:
        value = _cell_text(cells.get(column))
        if not value and column in REQUIRED_COLUMNS:
            err(column, "trống / empty")
        return value

    def integer(column: str) -> int | None:
        raw = text(column)
        if raw and not re.fullmatch(r"\d+", raw):
            err(column, f"không phải số nguyên / not an integer: {raw!r}")
            return None
        return int(raw) if raw else None

    year, rnd = integer("year"), integer("round")
    window = None
    if year is not None and rnd is not None:
        try:
            window = round_window(year, rnd)
        except ValueError as exc:
            err("year" if "year" in str(exc) else "round", str(exc))
    point_id = text("point_id")
    medium = point_media.get(point_id)
    if point_id and medium is None:
        err("point_id", f"không có điểm quan trắc / unknown monitoring point {point_id!r}")
    sampled_at = None
    if raw_time := cells.get("sampled_at"):
        try:
            sampled_at = parse_local_time(raw_time)
        except ValueError as exc:
            err("sampled_at", str(exc))
    else:
        err("sampled_at", "trống / empty")
    if window is not None and sampled_at is not None and not window.contains(sampled_at):
        end = epoch_to_local_iso(window.ends_at - 1)[:10]
        start = epoch_to_local_iso(window.starts_at)[:10]
        err("sampled_at", f"ngoài {window.label} / outside the round ({start} – {end})")
    code = text("parameter")
    param = lab_catalogue().get((code, medium)) if medium else None
    if code and medium and param is None:
        if any(c == code for c, _ in lab_catalogue()):
            err("parameter", f"{code!r} không đo trong môi trường / not measured in {medium}")
        else:
            err("parameter", f"không có thông số / unknown parameter {code!r}")
    qualifier = text("qualifier")
    raw_value = cells.get("value")
    value_text = _cell_text(raw_value)
    if value_text[:1] in ("<", ">"):
        if qualifier and qualifier != value_text[0]:
            err("qualifier", f"khác dấu trong cột value / disagrees with value {value_text!r}")
        qualifier, raw_value = value_text[0], value_text[1:].strip()
    if qualifier not in QUALIFIERS:
        err("qualifier", f"phải là '<', '>' hoặc trống / must be '<', '>' or empty: {qualifier!r}")
    value = None
    if not value_text:
        err("value", "trống / empty")
    else:
        try:
            value = parse_number(raw_value)
        except ValueError as exc:
            err("value", f"không phải số / not a number: {value_text!r} ({exc})")
    unit = text("unit")
    factor = param.factor_from(unit) if param and unit else None
    if param and unit and factor is None:
        err("unit", f"không đổi được {unit!r} sang {param.unit!r} / unit not convertible")
    canonical = value * factor if value is not None and factor is not None else None
    if param and canonical is not None:
        lo, hi = param.min_valid, param.max_valid
        if (lo is not None and canonical < lo) or (hi is not None and canonical > hi):
            err("value", f"ngoài khoảng hợp lý / outside {lo}–{hi} {param.unit}")
    averaging = text("averaging").lower()
    if medium == "ambient_air":
        if averaging not in AIR_AVERAGING:
            err("averaging", f"không khí cần 1h, 8h hoặc 24h / air needs one of {AIR_AVERAGING}")
    elif averaging not in ("", "sample"):
        err("averaging", f"chỉ dùng cho không khí / only for ambient air: {averaging!r}")
    if len(errors) > n_before or param is None or canonical is None or value is None:
        return None
    assert year is not None and rnd is not None and sampled_at is not None
    return ResultRecord(
        row=number,
        year=year,
        number=rnd,
        point_id=point_id,
        parameter=code,
        sampled_at=sampled_at,
        averaging=averaging if medium == "ambient_air" else "sample",
        value=canonical,
        unit=param.unit,
        qualifier=qualifier,
        value_reported=value,
        unit_reported=unit,
        laboratory=text("laboratory") or None,
        method=text("method") or None,
        note=text("note") or None,
    )
