"""Circular 10/2021 files as real dataloggers write them: accept each documented deviation, note it.

The canonical form (:mod:`stations.parsers.tt10`) was guessed from secondary sources; what
deployed receivers and datalogger code handle is wider (reference regulations-2026-12.md §3):

- line ends: CRLF (MonreUplink firmware), LF (``quytttb/data-logger`` joins with ``"\\n"``),
  anything ``splitlines()`` splits (``NguynTunKhi/eos`` server_data.py);
- separators: TAB (quytttb), any run of blanks (EOS ``line.split()``), ``;`` (spreadsheet
  exports); a trailing separator or blank lines;
- layouts: ``parameter value unit time [status]``, date-first ``time parameter value [unit]
  [status]`` and ``parameter value time [status]`` (EOS server_data.py L115-L130);
- text: UTF-8 with or without BOM, else Windows-1252 / Latin-1 (``µ`` written as byte 0xB5);
- numbers: a decimal comma (``12,5``) when it cannot be anything else.

Every deviation becomes a short note in :attr:`ParseOutcome.notes` (e.g. ``LF``, ``spaces``,
``unit mg/Nm3→mg/Nm³``) so the department can ask the facility to fix its logger without
losing a reading. What stays ambiguous is a line error with its reason, never a guess: a comma
that could separate fields or mark decimals, an unknown status code, an unparsable time.
"""

from __future__ import annotations

import re
from math import isfinite

from stations.parsers.aliases import AliasTables, alias_tables
from stations.parsers.base import STATUSES, LineError, ParseOutcome, ParserOptions, Reading
from stations.parsers.common import BOM, field_problem, stamp_to_epoch

_LINE_END = re.compile(r"\r\n|\r|\n")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_tolerant(
    raw: bytes, options: ParserOptions, notes: list[str]
) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, reason)``; appends the encoding deviations to ``notes``."""
    if len(raw) > options.max_bytes:
        return None, (
            f"tệp quá lớn / file too large: {len(raw)} bytes > {options.max_bytes} "
            "(a datalogger file is about 1 kB)"
        )
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
        notes.append("UTF-8 BOM")
    elif raw[:2] in _UTF16_BOMS:
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return None, "không đọc được UTF-16 / unreadable UTF-16 text"
        notes.append("UTF-16")
        return (text, None) if text.strip() else (None, "tệp rỗng / empty file")
    if not raw or raw.isspace():
        return None, "tệp rỗng / empty file"
    if b"\x00" in raw:
        return None, "tệp nhị phân / binary content (NUL bytes), not a text file"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    # Legacy single-byte text (Windows loggers): cp1252 leaves five bytes undefined, Latin-1 none.
    try:
        text, encoding = raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        text, encoding = raw.decode("latin-1"), "latin-1"
    if _CONTROL.search(text):
        return None, "không phải văn bản / not text (control bytes; neither UTF-8 nor cp1252)"
    notes.append(encoding)
    return text, None


def split_lines_tolerant(text: str, notes: list[str]) -> list[str]:
    """Lines split at CRLF, LF or CR; notes any line end other than CRLF."""
    crlf = text.count("\r\n")
    kinds = [
        name
        for name, n in (
            ("CRLF", crlf),
            ("LF", text.count("\n") - crlf),
            ("CR", text.count("\r") - crlf),
        )
        if n
    ]
    if kinds and kinds != ["CRLF"]:
        notes.append(kinds[0] if len(kinds) == 1 else "mixed line ends " + "+".join(kinds))
    return _LINE_END.split(text)


def _fields(line: str, tables: AliasTables, notes: dict[str, None]) -> list[str] | str:
    """The fields of a line, or the reason it cannot be split without guessing."""
    if "\t" in line:
        parts = [p.strip() for p in line.split("\t")]
    elif ";" in line:
        parts = [p.strip() for p in line.split(";")]
        notes["semicolon"] = None
    else:
        parts = line.split()
        if len(parts) < 3 and "," in line:
            return "dấu phẩy mơ hồ / a comma could be a separator or a decimal mark"
        notes["spaces"] = None
        # "PM 2.5" and other two-word names written with blanks between the fields
        if len(parts) > 5 and tables.parameter(f"{parts[0]} {parts[1]}", True) is not None:
            parts[0:2] = [f"{parts[0]} {parts[1]}"]
    while parts and not parts[-1]:
        parts.pop()
        notes["trailing separator"] = None
    return parts


def _is_stamp(text: str) -> bool:
    return len(text) == 14 and text.isdigit() and text.isascii()


def _layout(
    fields: list[str], notes: dict[str, None]
) -> tuple[str, str, str, str, str | None] | str:
    """``(parameter, value, unit, stamp, status|None)`` from a documented layout, or a reason."""
    n = len(fields)
    if n >= 4 and _is_stamp(fields[3]):  # parameter value unit time [status]
        if n > 5:
            return f"cần 5 trường / expected 5 fields, found {n}"
        return fields[0], fields[1], fields[2], fields[3], fields[4] if n == 5 else None
    if n >= 3 and _is_stamp(fields[0]):  # time parameter value [unit] [status]
        if n > 5:
            return f"cần 5 trường / expected 5 fields, found {n}"
        notes["date-first lines"] = None
        unit = fields[3] if n >= 4 else ""
        return fields[1], fields[2], unit, fields[0], fields[4] if n == 5 else None
    if n in (3, 4) and _is_stamp(fields[2]):  # parameter value time [status]
        return fields[0], fields[1], "", fields[2], fields[3] if n == 4 else None
    if n < 3 or n > 5:
        return f"cần 5 trường / expected 5 fields, found {n}"
    return "thời gian sai / impossible timestamp: no YYYYMMDDhhmmss field"


def _value(text: str, notes: dict[str, None]) -> float | None:
    if "," in text:
        if "." in text or not _DECIMAL_COMMA.fullmatch(text):
            return None  # "1,234.5" or "1,2,3": thousands mark or separator, not decided here
        text = text.replace(",", ".")
        notes["decimal comma"] = None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if isfinite(value) else None


def parse_tolerant_lines(
    lines: list[str], station: str, out: ParseOutcome, notes: dict[str, None]
) -> None:
    """Parse every line into ``out`` (readings and line errors); deviations go to ``notes``."""
    tables = alias_tables()
    for number, raw_line in enumerate(lines, start=1):
        if not raw_line or raw_line.isspace():
            continue
        line = raw_line.strip(" ")  # a trailing TAB stays visible as a trailing separator
        line_notes: dict[str, None] = {}  # kept only when the line gives a reading
        fields = _fields(line, tables, line_notes)
        layout = fields if isinstance(fields, str) else _layout(fields, line_notes)
        if isinstance(layout, str):
            out.errors.append(LineError(number, layout, raw_line))
            continue
        name, value_s, unit_s, stamp, status = layout
        parameter = tables.parameter(name, True)
        value = _value(value_s, line_notes)
        observed_at = stamp_to_epoch(stamp)
        if status is None:
            status = "00"
            line_notes["no status column (00 measuring assumed)"] = None
        elif len(status) == 1 and f"0{status}" in STATUSES:
            line_notes[f"status {status}→0{status}"] = None
            status = f"0{status}"
        reason = field_problem(
            (name, value_s, stamp, status), parameter, value, observed_at, status
        )
        if reason is not None:
            out.errors.append(LineError(number, reason, raw_line))
            continue
        if parameter != name and name not in tables.strict_params:
            line_notes[f"parameter {name}→{parameter}"] = None
        unit = tables.unit(unit_s, True) if unit_s else ""
        if unit != unit_s:
            line_notes[f"unit {unit_s}→{unit}"] = None
        elif not unit:
            line_notes["no unit column"] = None
        notes.update(line_notes)
        out.readings.append(Reading(station, parameter, observed_at, value, unit, status))  # type: ignore[arg-type]


def parse_tolerant(raw: bytes, station: str, options: ParserOptions, out: ParseOutcome) -> None:
    """Read a whole file the tolerant way into ``out`` (``fatal`` when nothing can be read)."""
    file_notes: list[str] = []
    text, reason = decode_tolerant(raw, options, file_notes)
    if text is None:
        out.fatal = reason
        return
    lines = split_lines_tolerant(text, file_notes)
    line_notes: dict[str, None] = {}
    parse_tolerant_lines(lines, station, out, line_notes)
    out.notes = [*file_notes, *line_notes]
