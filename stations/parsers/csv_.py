"""CSV readings (exports from station software, ``quantrac ingest`` backfill): ``format: csv``.

Header row required (any order, case-insensitive): ``parameter, value, unit, time, status`` and
optionally ``station_id`` (otherwise the station comes from a Circular-style file name). ``time``
is ISO 8601 (naive = local UTC+7) or ``YYYYMMDDhhmmss`` local. Delimiter ``,`` or ``;`` (from the
header); with ``;`` and ``decimal_comma`` a value may be written ``12,5``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from typing import ClassVar

from stations.parsers.aliases import alias_tables
from stations.parsers.base import LineError, ParseOutcome, ParserOptions, Reading
from stations.parsers.common import (
    decode_text,
    field_problem,
    file_name,
    iso_or_stamp_to_epoch,
    local_stamp,
    station_from_name,
    to_float,
)
from stations.parsers.tolerant import decode_tolerant

REQUIRED = ("parameter", "value", "unit", "time", "status")
_HEADER_ALIASES = {"station": "station_id", "observed_at": "time", "timestamp": "time"}


class CsvParser:
    """Parser for CSV readings files."""

    format_id: ClassVar[str] = "csv"
    suffix: ClassVar[str] = ".csv"

    def render(self, station_id: str, readings: Sequence[Reading]) -> tuple[str, bytes]:
        """A header row and one comma-separated row per reading (local stamps)."""
        buf = io.StringIO(newline="")
        writer = csv.writer(buf, lineterminator="\r\n")
        writer.writerow(("station_id", *REQUIRED))
        for r in readings:
            row = (r.parameter, repr(r.value), r.unit, local_stamp(r.observed_at), r.status)
            writer.writerow((station_id, *row))
        name = file_name(station_id, (r.observed_at for r in readings), self.suffix)
        return name, buf.getvalue().encode("utf-8")

    def parse(self, raw: bytes, *, filename: str, options: ParserOptions) -> ParseOutcome:
        """Parse one CSV file; never raises."""
        out = ParseOutcome()
        if options.strict:
            text, reason = decode_text(raw, dataclasses.replace(options, bom=True))  # Excel: BOM
        else:
            text, reason = decode_tolerant(raw, options, out.notes)
        if text is None:
            out.fatal = reason
            return out
        lines = text.splitlines()
        header_line = next((x for x in lines if x.strip()), "")
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            out.fatal = f"CSV không đọc được / unreadable CSV: {exc}"
            return out
        rows = [r for r in rows if any(c.strip() for c in r)]
        if not rows:
            out.fatal = "tệp rỗng / empty file (no header row)"
            return out
        header = [_HEADER_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
        missing = [c for c in REQUIRED if c not in header]
        named = station_from_name(filename, "csv")
        if "station_id" not in header and named is None:
            missing.append("station_id (or a <Station>_<YYYYMMDDhhmmss> file name)")
        if missing:
            out.fatal = f"thiếu cột / missing column(s): {', '.join(missing)}"
            return out
        out.station_id = named[0] if named else None
        col = {name: header.index(name) for name in (*REQUIRED, "station_id") if name in header}
        tables = alias_tables()
        tolerant = not options.strict
        decimal_comma = (options.decimal_comma or tolerant) and delimiter == ";"
        lenient = options.aliases or tolerant
        for number, row in enumerate(rows[1:], start=2):
            self._row(number, row, col, out, tables, lenient, decimal_comma, delimiter)
        if not out.readings:
            out.fatal = (
                f"không dòng nào hợp lệ / no valid row ({out.errors[0].reason})"
                if out.errors
                else "không có dòng dữ liệu / no data rows"
            )
        return out

    @staticmethod
    def _row(number, row, col, out, tables, lenient, decimal_comma, delimiter) -> None:  # type: ignore[no-untyped-def]
        text = delimiter.join(row)
        if len(row) < len(col):
            out.errors.append(LineError(number, f"thiếu trường / {len(row)} fields", text))
            return
        station = row[col["station_id"]].strip() if "station_id" in col else out.station_id
        parameter = tables.parameter(row[col["parameter"]].strip(), lenient)
        value = to_float(row[col["value"]].strip(), decimal_comma)
        observed_at = iso_or_stamp_to_epoch(row[col["time"]])
        status = row[col["status"]].strip().zfill(2)
        texts = (row[col["parameter"]], row[col["value"]], row[col["time"]], status)
        reason = (
            "thiếu mã trạm / no station id"
            if not station
            else field_problem(texts, parameter, value, observed_at, status)
        )
        if reason:
            out.errors.append(LineError(number, reason, text))
            return
        unit = tables.unit(row[col["unit"]], lenient)
        out.readings.append(Reading(station, parameter, observed_at, value, unit, status))  # type: ignore[arg-type]
