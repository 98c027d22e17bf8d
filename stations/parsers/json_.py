"""JSON readings, as served by station HTTP endpoints: ``format: json``.

Accepted shapes (documented in docs/ingestion.md)::

    {"station_id": "LS_X_KK01", "readings": [
        {"parameter": "PM2.5", "value": 12.5, "unit": "µg/Nm³",
         "time": "2026-11-20T08:30:00+07:00", "status": "00"}]}

or a list of such objects. ``time`` may also be a ``YYYYMMDDhhmmss`` local stamp.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any, ClassVar

from stations.parsers.aliases import alias_tables
from stations.parsers.base import STATUSES, LineError, ParseOutcome, ParserOptions, Reading
from stations.parsers.common import decode_text, file_name, iso_or_stamp_to_epoch, local_stamp


class JsonParser:
    """Parser for the JSON form of HTTP sources."""

    format_id: ClassVar[str] = "json"
    suffix: ClassVar[str] = ".json"

    def render(self, station_id: str, readings: Sequence[Reading]) -> tuple[str, bytes]:
        """``{"station_id": ..., "readings": [...]}`` with local stamps."""
        document = {
            "station_id": station_id,
            "readings": [
                {
                    "parameter": r.parameter,
                    "value": r.value,
                    "unit": r.unit,
                    "time": local_stamp(r.observed_at),
                    "status": r.status,
                }
                for r in readings
            ],
        }
        name = file_name(station_id, (r.observed_at for r in readings), self.suffix)
        return name, json.dumps(document, ensure_ascii=False).encode("utf-8")

    def parse(self, raw: bytes, *, filename: str, options: ParserOptions) -> ParseOutcome:
        """Parse one JSON document; never raises. Error ``line`` numbers count readings."""
        out = ParseOutcome()
        text, reason = decode_text(raw, ParserOptions(bom=True, max_bytes=options.max_bytes))
        if text is None:
            out.fatal = reason
            return out
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError) as exc:
            out.fatal = f"JSON không hợp lệ / invalid JSON: {str(exc)[:100]}"
            return out
        blocks = doc if isinstance(doc, list) else [doc]
        number = 0
        for block in blocks:
            if not isinstance(block, dict) or not isinstance(block.get("readings"), list):
                out.fatal = 'cần {"station_id", "readings": [...]} / expected station objects'
                return out
            station = block.get("station_id") or block.get("station")
            if not isinstance(station, str) or not station:
                out.fatal = "thiếu station_id / missing station_id"
                return out
            out.station_id = out.station_id or station
            for item in block["readings"]:
                number += 1
                reading, error = _reading(station, item, options)
                if reading is not None:
                    out.readings.append(reading)
                else:
                    out.errors.append(LineError(number, error or "?", json.dumps(item)[:120]))
        if not out.readings and out.errors:
            out.fatal = f"không bản ghi nào hợp lệ / no valid reading ({out.errors[0].reason})"
        return out


def _reading(station: str, item: Any, options: ParserOptions) -> tuple[Reading | None, str | None]:
    if not isinstance(item, dict):
        return None, "bản ghi phải là object / each reading must be an object"
    tables = alias_tables()
    parameter = tables.parameter(
        str(item.get("parameter", "")), options.aliases or not options.strict
    )
    if parameter is None:
        return None, f"thông số lạ / unknown parameter {item.get('parameter')!r}"
    value = item.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None, f"giá trị không phải số / not a number {value!r}"
    observed_at = iso_or_stamp_to_epoch(str(item.get("time", "")))
    if observed_at is None:
        return None, f"thời gian sai / impossible timestamp {item.get('time')!r}"
    status = str(item.get("status", "")).zfill(2)
    if status not in STATUSES:
        return None, f"trạng thái lạ / unknown status {item.get('status')!r}"
    unit = tables.unit(str(item.get("unit", "")), options.aliases or not options.strict)
    return Reading(station, parameter, observed_at, float(value), unit, status), None
