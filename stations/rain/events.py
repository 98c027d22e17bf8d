"""Observed landslide / flash-flood events for verification: a CSV with ``place`` and ``time``.

``place`` is a commune id (``A`` or ``commune:A``) or a zone (``zone:12``); ``time`` is ISO 8601,
local time (UTC+7) when it has no offset. The file is read whole or refused with every bad row
named (Vietnamese and English).
"""

from __future__ import annotations

import csv
import io

from stations.timeutil import VN_OFFSET, parse_iso_time

MAX_BYTES = 5_000_000


class EventsFileError(ValueError):
    """The events file cannot be used; ``errors`` names every bad row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:20]))
        self.errors = errors


def parse_events(raw: bytes) -> list[tuple[str, int]]:
    """``[("commune:A", epoch), ...]`` sorted by time."""
    if len(raw) > MAX_BYTES:
        raise EventsFileError([f"tệp quá lớn / file larger than {MAX_BYTES} bytes"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EventsFileError(["không phải UTF-8 / not UTF-8"]) from None
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if "place" not in fields or "time" not in fields:
        raise EventsFileError([f"cần cột place, time / needs columns place, time; got {fields}"])
    out, errors = [], []
    for n, row in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        place, stamp = row.get("place", ""), row.get("time", "")
        if not place:
            errors.append(f"dòng {n}: thiếu địa điểm / line {n}: no place")
            continue
        try:
            at = parse_iso_time(stamp, VN_OFFSET)
        except ValueError:
            errors.append(f"dòng {n}: thời gian sai / line {n}: bad time {stamp[:40]!r}")
            continue
        out.append((place if ":" in place else f"commune:{place}", at))
    if errors:
        raise EventsFileError(errors)
    return sorted(out, key=lambda e: (e[1], e[0]))
