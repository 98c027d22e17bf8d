"""Try a sample file: parse it as a source would and show what would be stored, storing nothing.

One answer for the JSON API (``POST /api/admin/ingest/preview``) and the administration page
(``/admin/ingest/preview``): what an officer checks when a facility says "we are sending".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from stations.errors import InvalidRequest
from stations.ingest.units import harmonise_units
from stations.parsers import ParserOptions, parse
from stations.parsers.common import unsafe_name
from stations.qc import Flag
from stations.store.readings import station_units
from stations.timeutil import epoch_to_local_iso

PREVIEW_MAX_BYTES = 1024 * 1024  # a datalogger file is about 1 kB; a day's CSV export fits
PREVIEW_MAX_READINGS = 500
PREVIEW_MAX_ERRORS = 200
FORMATS = ("auto", "tt10", "csv", "json")


def too_large() -> str:
    return f"tệp quá lớn / sample too large: over {PREVIEW_MAX_BYTES} bytes"


def preview_sample(
    engine: Engine, data: bytes, name: str, fmt: str = "auto", strict: bool = False
) -> dict[str, Any]:
    """Readings (after unit conversion), notes, line errors and whether the station is known.

    ``flags`` holds only what the registry decides (``unit_mismatch``, ``not_configured``);
    range, time and flat-line checks need the stored history and run at ingestion. Raises
    :class:`InvalidRequest` for a file name no source would accept or an unknown format.
    """
    reason = unsafe_name(name)
    if reason is not None:
        raise InvalidRequest(reason)
    if fmt not in FORMATS:
        raise InvalidRequest(f"định dạng không hỗ trợ / unknown format: {fmt!r}")
    parsed = parse(data, name, fmt, ParserOptions(strict=strict))
    with engine.connect() as conn:
        sites = station_units(conn)
    notes = list(parsed.notes)
    readings = parsed.readings
    if not strict and parsed.fatal is None:
        converted: list[str] = []
        readings = harmonise_units(readings, sites, converted)
        notes += converted
    stations = sorted({r.station_id for r in readings} | {parsed.station_id or ""} - {""})
    out = []
    for r in readings[:PREVIEW_MAX_READINGS]:
        expected = sites.get(r.station_id, {}).get(r.parameter)
        flags = []
        if expected is None:
            flags.append(Flag.NOT_CONFIGURED.name.lower())
        elif r.unit != expected:
            flags.append(Flag.UNIT_MISMATCH.name.lower())
        out.append(
            {
                "station_id": r.station_id,
                "parameter": r.parameter,
                "time": epoch_to_local_iso(r.observed_at),
                "value": r.value,
                "unit": r.unit,
                "status": r.status,
                "registry_unit": expected,
                "flags": flags,
            }
        )
    return {
        "name": name,
        "size": len(data),
        "fatal": parsed.fatal,
        "stations": [{"id": s, "registered": s in sites} for s in stations],
        "notes": notes,
        "readings": out,
        "reading_count": len(readings),
        "errors": [e.as_dict() for e in parsed.errors[:PREVIEW_MAX_ERRORS]],
        "error_count": len(parsed.errors),
    }
