"""Administration API for ingestion: how sources deviate from the canonical form, and a dry run.

- ``GET /api/admin/ingest/format-notes``: per station and per source, the files received, how
  many deviated from the canonical Circular 10/2021 form and how (so the department can ask a
  facility to fix its datalogger without losing a reading).
- ``GET /api/admin/ingest/conflicts``: resent values that disagreed with the stored (first) ones.
- ``POST /api/admin/ingest/preview?name=…``: parse an uploaded sample (the raw file as the request
  body) with a source's options and show its readings, notes and errors; nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from service.auth.deps import AdminDep
from service.web.deps import ContextDep
from stations.ingest.units import harmonise_units
from stations.parsers import ParserOptions, parse
from stations.parsers.common import unsafe_name
from stations.qc import Flag
from stations.store.conflicts import list_conflicts
from stations.store.format_notes import format_summary
from stations.store.readings import station_units
from stations.timeutil import epoch_to_local_iso, parse_iso_time

router = APIRouter(prefix="/api/admin/ingest", tags=["admin"])

PREVIEW_MAX_BYTES = 1024 * 1024  # a datalogger file is about 1 kB; a day's CSV export fits
PREVIEW_MAX_READINGS = 500


@router.get("/format-notes", summary="How each station's and source's files deviate")
def format_notes(
    ctx: ContextDep,
    _admin: AdminDep,
    since: Annotated[str | None, Query(description="ISO 8601; default: all files")] = None,
) -> dict[str, Any]:
    """Files received, files with deviations and the deviations, per station and per source."""
    start = None
    if since is not None:
        try:
            start = parse_iso_time(since)
        except ValueError:
            raise HTTPException(400, f"since: thời gian sai / not ISO 8601: {since!r}") from None
    with ctx.engine.connect() as conn:
        summary = format_summary(conn, start)
    for bucket in summary.values():
        for row in bucket:
            last = row["last_deviation"]
            row["last_deviation"] = epoch_to_local_iso(last) if last else None
    return {"since": since, **summary}


async def _body(request: Request) -> bytes:
    """The request body, refused with 413 as soon as it passes the bound (memory stays bounded)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > PREVIEW_MAX_BYTES:
            raise HTTPException(
                413, f"tệp quá lớn / sample too large: over {PREVIEW_MAX_BYTES} bytes"
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/preview", summary="Parse a sample file without storing anything")
async def preview(
    request: Request,
    ctx: ContextDep,
    _admin: AdminDep,
    name: Annotated[str, Query(min_length=1, max_length=300, description="the file's name")],
    fmt: Annotated[str, Query(alias="format", pattern="^(auto|tt10|csv|json)$")] = "auto",
    strict: Annotated[bool, Query(description="read as a strict source would")] = False,
) -> dict[str, Any]:
    """Readings (after unit conversion), notes, line errors and whether the station is known.

    ``flags`` holds only what the registry decides (``unit_mismatch``, ``not_configured``);
    range, time and flat-line checks need the stored history and run at ingestion.
    """
    data = await _body(request)
    reason = unsafe_name(name)
    if reason is not None:
        raise HTTPException(400, reason)
    options = ParserOptions(strict=strict)
    parsed = parse(data, name, fmt, options)
    with ctx.engine.connect() as conn:
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
        "errors": [e.as_dict() for e in parsed.errors[:200]],
        "error_count": len(parsed.errors),
    }


@router.get("/conflicts", summary="Resent values that disagreed with the stored ones")
def conflicts(
    ctx: ContextDep,
    _admin: AdminDep,
    station: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Each conflicting value with its file, next to the value kept (the first received)."""
    with ctx.engine.connect() as conn:
        rows, total = list_conflicts(conn, station, limit, offset)
    items = []
    for r in rows:
        item = dict(r._mapping)
        item["time"] = epoch_to_local_iso(r.observed_at)
        items.append(item)
    return {"total": total, "conflicts": items}
