"""``/api/admin/quarantine``: list, show and replay quarantined files (admin role, audited).

The same operations as ``quantrac quarantine list|show|replay`` (:mod:`service.quarantine`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from service.auth.deps import AdminDep
from service.quarantine import MAX_REPLAY, as_dict, replay
from service.web.deps import ContextDep
from service.web.params import IdPath, StrictId
from stations.store.quarantine import get_quarantined, list_quarantined
from stations.timeutil import parse_iso_time

router = APIRouter(prefix="/api/admin/quarantine", tags=["admin"])


def _since(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_iso_time(text)
    except ValueError:
        raise HTTPException(400, f"since: thời gian sai / not ISO 8601: {text!r}") from None


@router.get("", summary="Quarantined files, newest first")
def quarantine_list(
    ctx: ContextDep,
    _admin: AdminDep,
    reason: Annotated[str | None, Query(max_length=200)] = None,
    station: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(description="ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Files with their reason, origin, station and notes; ``total`` counts every match."""
    with ctx.engine.connect() as conn:
        rows, total = list_quarantined(
            conn, reason=reason, station=station, since=_since(since), limit=limit, offset=offset
        )
    return {"total": total, "files": [as_dict(r) for r in rows]}


# ":int" so that /replay is not read as an id (GET /replay is then a 405, not a 422).
@router.get("/{file_id:int}", summary="One quarantined file with its line errors")
def quarantine_show(file_id: IdPath, ctx: ContextDep, _admin: AdminDep) -> dict[str, Any]:
    """404 when no quarantined file has this id."""
    with ctx.engine.connect() as conn:
        row = get_quarantined(conn, file_id)
    if row is None:
        raise HTTPException(404, f"không có tệp cách ly / no quarantined file {file_id}")
    return as_dict(row)


class ReplayRequest(BaseModel):
    """Which files to replay: ids, or filters (at least one of them)."""

    ids: list[StrictId] | None = Field(None, max_length=MAX_REPLAY)
    reason: str | None = Field(None, max_length=200)
    station: str | None = Field(None, max_length=64)
    since: str | None = None
    notify: bool = False


@router.post("/replay", summary="Re-ingest quarantined files from the archive")
async def quarantine_replay(
    body: ReplayRequest, ctx: ContextDep, admin: AdminDep
) -> dict[str, Any]:
    """Per-file outcomes and the after-ingest evaluation; every replay is audited."""
    if not body.ids and not (body.reason or body.station or body.since):
        raise HTTPException(400, "give ids or a filter (reason, station, since)")
    since = _since(body.since)
    return await run_in_threadpool(
        replay,
        ctx.settings,
        ctx.engine,
        actor=admin.actor,
        ids=body.ids or None,
        reason=body.reason,
        station=body.station,
        since=since,
        notify=body.notify,
    )
