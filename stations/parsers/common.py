"""Helpers shared by the parsers: file names, text decoding, numbers and timestamps."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from stations.parsers.base import STATUSES, ParserOptions
from stations.timeutil import VN_OFFSET

# Canonical name (regulations.md §1.2, low confidence): <Province>_<Facility>_<Station>_<stamp>.txt;
# everything before the 14-digit stamp is the station id in our registry.
TT10_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})_(\d{14})\.(txt|csv)$", re.IGNORECASE)
# The same pattern, case-sensitive: ~40 % faster on the usual lower-case names, and whatever it
# matches TT10_NAME matches with the same groups (the anchored suffix fixes the split).
_TT10_NAME_EXACT = re.compile(TT10_NAME.pattern)
_LOCAL_EPOCH = datetime(1970, 1, 1) + timedelta(hours=7)  # naive local time of epoch 0
_ONE_SECOND = timedelta(seconds=1)
BOM = b"\xef\xbb\xbf"


def unsafe_name(name: str) -> str | None:
    """Why ``name`` cannot be used as a file name (path parts, ``..``, NUL), or None if safe."""
    if not name or name in (".", ".."):
        return "tên tệp trống / empty file name"
    if "/" in name or "\\" in name or "\x00" in name or ".." in name:
        return f"tên tệp không an toàn / unsafe file name {name[:80]!r} (path parts or '..')"
    if name.startswith("."):
        return f"tên tệp ẩn / hidden file name {name[:80]!r} (starts with '.')"
    return None


def local_stamp(epoch: int) -> str:
    """UTC epoch seconds -> the datalogger's local ``YYYYMMDDhhmmss`` (UTC+7)."""
    return datetime.fromtimestamp(epoch, VN_OFFSET).strftime("%Y%m%d%H%M%S")


def file_name(station_id: str, epochs: Iterable[int], suffix: str) -> str:
    """``<station>_<YYYYMMDDhhmmss><suffix>`` stamped with the latest reading time."""
    return f"{station_id}_{local_stamp(max(epochs, default=0))}{suffix}"


def station_from_name(name: str, ext: str = "txt") -> tuple[str, str] | None:
    """``(station_id, stamp)`` from a Circular 10/2021 file name (``.txt``; CSV exports use the
    same pattern with ``.csv``), or None if it does not match."""
    match = _TT10_NAME_EXACT.match(name) or TT10_NAME.match(name)
    if match is None or match.group(3).lower() != ext:
        return None
    return match.group(1), match.group(2)


@lru_cache(maxsize=4096)
def _local_midnight(day: str) -> int | None:
    """UTC epoch of 00:00 local (UTC+7) on ``YYYYMMDD``; None if no such day."""
    try:
        local = datetime(int(day[0:4]), int(day[4:6]), int(day[6:8]))
    except ValueError:
        return None
    return (local - _LOCAL_EPOCH) // _ONE_SECOND


@lru_cache(maxsize=4096)  # files of one cycle share their stamp
def stamp_to_epoch(stamp: str) -> int | None:
    """A local (UTC+7) ``YYYYMMDDhhmmss`` stamp -> UTC epoch seconds; None if impossible."""
    if len(stamp) != 14 or not stamp.isdigit() or not stamp.isascii():
        return None
    midnight = _local_midnight(stamp[:8])
    hour, minute, second = int(stamp[8:10]), int(stamp[10:12]), int(stamp[12:14])
    if midnight is None or hour > 23 or minute > 59 or second > 59:
        return None
    return midnight + hour * 3600 + minute * 60 + second


def iso_or_stamp_to_epoch(text: str) -> int | None:
    """ISO 8601 (naive = local UTC+7) or a 14-digit local stamp -> UTC epoch seconds, or None."""
    text = text.strip()
    if len(text) == 14 and text.isdigit():
        return stamp_to_epoch(text)
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=VN_OFFSET)
    return int(dt.timestamp())


def decode_text(raw: bytes, options: ParserOptions) -> tuple[str | None, str | None]:
    """``(text, None)`` or ``(None, reason)``: size, BOM, binary content and UTF-8 checks."""
    if len(raw) > options.max_bytes:
        return None, (
            f"tệp quá lớn / file too large: {len(raw)} bytes > {options.max_bytes} "
            "(a datalogger file is about 1 kB)"
        )
    if not raw or raw.isspace():
        return None, "tệp rỗng / empty file"
    if raw.startswith(BOM):
        if not options.bom:
            return None, "UTF-8 BOM ở đầu tệp / starts with a UTF-8 BOM (source option bom: true)"
        raw = raw[len(BOM) :]
    if b"\x00" in raw:
        return None, "tệp nhị phân / binary content (NUL bytes), not a text file"
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"không phải UTF-8 / not UTF-8 text (byte {exc.start})"


def split_lines(text: str, options: ParserOptions) -> tuple[list[str] | None, str | None]:
    """Lines of a CRLF file (or LF when allowed); ``(None, reason)`` for LF in strict mode."""
    lines = text.split("\r\n")
    if text.count("\n") != len(lines) - 1:  # a bare LF somewhere
        if not options.lf:
            return None, "xuống dòng LF / LF line ends; canonical is CRLF (source option lf: true)"
        return [line.rstrip("\r") for line in text.split("\n")], None
    return lines, None


def to_float(text: str, decimal_comma: bool) -> float | None:
    """A finite float from ``text`` (``12,5`` when ``decimal_comma``), else None."""
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def field_problem(
    fields: tuple[str, str, str, str],
    parameter: str | None,
    value: float | None,
    observed_at: int | None,
    status: str,
) -> str | None:
    """Why a line's parsed fields do not make a reading (the first problem), or None.

    ``fields`` are the texts as written: parameter, value, time, status.
    """
    if parameter is None:
        return f"thông số lạ / unknown parameter {fields[0]!r}"
    if value is None:
        return f"giá trị không phải số / not a number {fields[1]!r}"
    if observed_at is None:
        return f"thời gian sai / impossible timestamp {fields[2]!r}"
    if status not in STATUSES:
        return f"trạng thái lạ / unknown status {fields[3]!r}"
    return None
