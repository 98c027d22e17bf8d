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
from starlette.concurrency import run_in_threadpool

from service.admin.preview import PREVIEW_MAX_BYTES, preview_sample, too_large
from service.auth.deps import AdminDep
from service.web.deps import ContextDep
from stations.errors import InvalidRequest
from stations.store.conflicts import list_conflicts
from stations.store.format_notes import format_summary
from stations.timeutil import epoch_to_local_iso, parse_iso_time

router = APIRouter(prefix="/api/admin/ingest", tags=["admin"])


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
            raise HTTPException(413, too_large())
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
    """Readings (after unit conversion), notes, line errors and whether the station is known
    (:func:`service.admin.preview.preview_sample`)."""
    data = await _body(request)
    try:
        return await run_in_threadpool(preview_sample, ctx.engine, data, name, fmt, strict)
    except InvalidRequest as exc:
        raise HTTPException(400, str(exc)) from None


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
