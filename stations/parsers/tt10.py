"""Circular 10/2021/TT-BTNMT data files: one line per parameter, one file per measurement cycle.

Canonical form (regulations.md §1.2; the official Phụ lục 15 text was NOT FOUND, so this is the
form national receivers implement): file ``<Station>_<YYYYMMDDhhmmss>.txt``, CRLF line ends, UTF-8
without BOM, lines ``parameter<TAB>value<TAB>unit<TAB>YYYYMMDDhhmmss<TAB>status`` with local time
(UTC+7) and status 00/01/02.

By default a file is first read the canonical way (the hot path: a canonical file costs nothing
more); a file that deviates anywhere is read again by :mod:`stations.parsers.tolerant`, which
accepts the deviations seen in the field and notes them. ``strict`` sources accept only the
canonical form and the variants they switch on (:class:`~stations.parsers.base.ParserOptions`);
see docs/ingestion.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isfinite, nan
from typing import ClassVar

from stations.parsers.aliases import alias_tables
from stations.parsers.base import STATUSES, LineError, ParseOutcome, ParserOptions, Reading
from stations.parsers.common import (
    decode_text,
    file_name,
    local_stamp,
    split_lines,
    stamp_to_epoch,
    station_from_name,
)
from stations.parsers.tolerant import parse_tolerant

_SPLITTERS = {"tab": "\t", "semicolon": ";", "spaces": None}
_NAN = nan
_UNSEEN = object()
_CANONICAL = ParserOptions(strict=True)


def _fields(line: str, separator: str) -> list[str]:
    if separator == "auto":
        if "\t" in line:
            return line.split("\t")
        if ";" in line:
            return line.split(";")
        return line.split()
    return line.split(_SPLITTERS[separator])


def _fatal_if_empty(out: ParseOutcome) -> None:
    if not out.readings and out.fatal is None:
        out.fatal = (
            f"không dòng nào hợp lệ / no valid line ({out.errors[0].reason})"
            if out.errors
            else "tệp rỗng / empty file (no data line)"
        )


def _span(stamps: dict[str, int | None]) -> tuple[int, int]:
    """Earliest and latest of a file's stamps (all valid once its lines are all read)."""
    times = [t for t in stamps.values() if t is not None]
    return min(times), max(times)


def _parse_canonical(lines: list[str], station: str, out: ParseOutcome) -> bool:
    """The ingestion hot path: a file canonical on every line, read with no per-line checks
    beyond what fails on a deviation (a wrong field count, an unknown code or spelling, a value
    that is not a finite number, an impossible time, a status to strip or unknown). Returns
    False, ``out`` untouched, at the first deviation: the caller then reads the file line by
    line (:meth:`Tt10Parser._parse_lines`), which explains each line; when this accepts a file,
    both give the same readings (tests/stations/test_parse_canonical.py)."""
    tables = alias_tables()
    params, units = tables.strict_params, tables.strict_units
    stamps: dict[str, int] = {}  # the valid stamps seen
    readings: list[Reading] = []
    append = readings.append
    new = tuple.__new__
    statuses = STATUSES
    last_stamp, observed_at = None, 0
    try:
        for line in lines:
            if not line:  # the end of the last line (or a blank one)
                continue
            name, value_s, unit, stamp, status = line.split("\t")
            value = float(value_s)
            # value - value is 0.0 for a finite value and NaN (true) for an infinity or a NaN
            if value - value or status not in statuses:
                return False
            if stamp != last_stamp:  # a file's lines usually share one stamp
                known = stamps.get(stamp)
                if known is None:
                    known = stamp_to_epoch(stamp.strip())
                    if known is None:
                        return False
                    stamps[stamp] = known
                last_stamp, observed_at = stamp, known
            append(new(Reading, (station, params[name], observed_at, value, units[unit], status)))
    except (ValueError, KeyError):
        return False
    if not readings:
        return False
    out.readings = readings
    times = stamps.values()  # every stamp seen made a reading
    out.span = (min(times), max(times))
    return True


class Tt10Parser:
    """Parser for Circular 10/2021 text files (``format: tt10``)."""

    format_id: ClassVar[str] = "tt10"
    suffix: ClassVar[str] = ".txt"

    def render(self, station_id: str, readings: Sequence[Reading]) -> tuple[str, bytes]:
        """Tab-separated ``parameter value unit stamp status`` lines, CRLF (the canonical form)."""
        body = "".join(
            f"{r.parameter}\t{r.value!r}\t{r.unit}\t{local_stamp(r.observed_at)}\t{r.status}\r\n"
            for r in readings
        )
        name = file_name(station_id, (r.observed_at for r in readings), self.suffix)
        return name, body.encode("utf-8")

    def parse(self, raw: bytes, *, filename: str, options: ParserOptions) -> ParseOutcome:
        """Parse one file; never raises (bad lines -> ``errors``, unreadable -> ``fatal``)."""
        out = ParseOutcome()
        named = station_from_name(filename)
        if named is None:
            out.fatal = (
                f"tên tệp sai quy cách / file name {filename[:80]!r} does not match "
                "<Tỉnh>_<CơSở>_<Trạm>_<YYYYMMDDhhmmss>.txt"
            )
            return out
        station = out.station_id = named[0]
        if options.strict:
            self._strict(raw, station, options, out)
            return out
        canonical_units = self._strict(raw, station, _CANONICAL, out)
        if out.fatal is None and not out.errors and canonical_units:
            return out
        out = ParseOutcome(station_id=station)
        parse_tolerant(raw, station, options, out)
        _fatal_if_empty(out)
        return out

    def _strict(self, raw: bytes, station: str, options: ParserOptions, out: ParseOutcome) -> bool:
        """Read the strict way into ``out``; True when every unit is spelled as in the catalogue."""
        text, reason = decode_text(raw, options)
        if text is None:
            out.fatal = reason
            return False
        lines, reason = split_lines(text, options)
        if lines is None:
            out.fatal = reason
            return False
        if options.separator not in ParserOptions.SEPARATORS:
            out.fatal = f"unknown separator option {options.separator!r}"
            return False
        if options.separator == "tab" and not options.decimal_comma and not options.aliases:
            if _parse_canonical(lines, station, out):
                return True
        canonical_units = self._parse_lines(lines, station, options, out)
        _fatal_if_empty(out)
        return canonical_units

    @staticmethod
    def _parse_lines(
        lines: list[str], station: str, options: ParserOptions, out: ParseOutcome
    ) -> bool:
        # The ingestion hot path: one pass, dict lookups, one tuple per reading.
        tables = alias_tables()
        lenient = options.aliases
        strict_params, strict_units = tables.strict_params, tables.strict_units
        separator = options.separator
        sep = _SPLITTERS.get(separator)
        auto = separator == "auto"
        decimal_comma = options.decimal_comma  # no variant uses ',' as the field separator
        stamps: dict[str, int | None] = {}  # a file's lines usually share one stamp
        append = out.readings.append
        errors = out.errors
        new = tuple.__new__
        canonical_units = True
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            fields = _fields(line, separator) if auto else line.split(sep)
            try:
                name, value_s, unit, stamp, status = fields
            except ValueError:
                if line.isspace():  # a blank line (checked here, off the hot path)
                    continue
                errors.append(
                    LineError(
                        number, f"cần 5 trường / expected 5 fields, found {len(fields)}", line
                    )
                )
                continue
            parameter = strict_params.get(name)
            if parameter is None:
                parameter = tables.parameter(name.strip(), lenient)
                if parameter is None:
                    if line.isspace():  # blanks and separators only: a blank line
                        continue
                    errors.append(
                        LineError(number, f"thông số lạ / unknown parameter {name!r}", line)
                    )
                    continue
            try:
                value = float(value_s.replace(",", ".") if decimal_comma else value_s)
            except ValueError:
                value = _NAN
            if not isfinite(value):
                errors.append(
                    LineError(number, f"giá trị không phải số / not a number {value_s!r}", line)
                )
                continue
            observed_at = stamps.get(stamp, _UNSEEN)
            if observed_at is _UNSEEN:
                observed_at = stamps[stamp] = stamp_to_epoch(stamp.strip())
            if observed_at is None:
                errors.append(
                    LineError(
                        number, f"thời gian sai / impossible timestamp {stamp.strip()!r}", line
                    )
                )
                continue
            if status not in STATUSES:
                status = status.strip()
                if status not in STATUSES:
                    errors.append(
                        LineError(number, f"trạng thái lạ / unknown status {status!r}", line)
                    )
                    continue
            if lenient:
                unit = tables.unit(unit, True)
            else:
                canonical = strict_units.get(unit)
                if canonical is None:
                    canonical_units = False  # kept as written; the tolerant reader maps it
                else:
                    unit = canonical
            append(new(Reading, (station, parameter, observed_at, value, unit, status)))
        if not errors and out.readings:
            # every stamp seen made a reading (a bad one is a line error): the file's span for free
            out.span = _span(stamps)
        return canonical_units
