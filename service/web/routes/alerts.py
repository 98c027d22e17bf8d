"""Alert feed, live stream and acknowledgement (thin: parse, call one function, shape).

- ``GET /api/alerts?state=&station=&limit=`` — the in-app feed, newest first.
- ``GET /api/alerts/stream`` — server-sent events: ``event: alert``, ``id: <history id>``,
  ``data: <alert JSON>``; resumes after ``Last-Event-ID``.
- ``GET /api/alerts/outbox?state=pending|sent|dead`` — deliveries, including the dead letters.
- ``POST /api/alerts/outbox/{id}/retry`` — put a dead letter back in the queue.
- ``GET /api/alerts/{id}`` — one alert with its history and deliveries.
- ``POST /api/alerts/{id}/ack`` — ``{"by": "...", "comment": "..."}``; 404 unknown, 409 resolved.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from service.alerting.runtime import AlertRuntime, runtime_for
from service.auth.deps import PrincipalDep
from service.redact import mask_address, redact_text
from service.web.deps import ConnDep, ContextDep
from service.web.params import IdPath, IdQuery
from stations.alerts.documents import alert_document
from stations.alerts.errors import AlertAlreadyResolved, UnknownAlert
from stations.alerts.lifecycle import STATES
from stations.alerts.messages import SiteInfo, site_of
from stations.store import alert_outbox, alerts
from stations.store.sites import site_labels
from stations.timeutil import epoch_to_local_iso

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/alerts", tags=["alerts"])
StateName = Literal["suppressed", "firing", "acknowledged", "resolved", "open"]
STREAM_POLL_S = 2.0
HEARTBEAT_S = 15.0


class AckBody(BaseModel):
    """Who acknowledges, and why."""

    by: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="name of the officer; required only when login is off (a logged-in "
        "account is recorded as itself)",
    )
    comment: str | None = Field(None, max_length=2000)


def _sites(conn: Connection, ids: set[str]) -> dict[str, SiteInfo]:
    # Only the sites the alerts name, by key: the feed is polled by every open map.
    return {
        r.id: SiteInfo(r.id, r.name, r.facility, r.kind) for r in site_labels(conn, sorted(ids))
    }


def _site(sites: dict[str, SiteInfo], row: Any) -> SiteInfo | None:
    # An alert about a forwarding destination has no station: name its subject instead.
    return site_of(sites, row) if row.station_id is None else sites.get(row.station_id)


def _documents(conn: Connection, rows: list[Any], rt: AlertRuntime) -> list[dict[str, Any]]:
    sites = _sites(conn, {r.station_id for r in rows if r.station_id is not None})
    counts = alert_outbox.delivery_counts(conn, [r.id for r in rows])
    base = rt.settings.base_url
    return [
        {
            **alert_document(r, _site(sites, r), base_url=base, tz=rt.tz),
            "deliveries": counts.get(r.id, {}),
        }
        for r in rows
    ]


@router.get("", summary="Alert feed (newest first)")
def list_alerts(
    conn: ConnDep,
    ctx: ContextDep,
    state: Annotated[StateName | None, Query(description="'open' = not resolved")] = None,
    station: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Alerts, filtered by state (``open`` means suppressed, firing or acknowledged)."""
    states: list[str] | None = (
        [s for s in STATES if s != "resolved"] if state == "open" else state and [state]
    )
    rows = alerts.list_alerts(conn, states=states or None, station_id=station, limit=limit)
    return _documents(conn, rows, runtime_for(ctx))


@router.get("/stream", summary="Server-sent events: one 'alert' event per alert change")
async def stream(
    request: Request,
    ctx: ContextDep,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    """SSE stream for the map; each event's data is the alert JSON after the change."""
    rt = runtime_for(ctx)

    async def events() -> AsyncIterator[str]:
        wake = rt.broker.subscribe()
        try:
            with rt.engine.connect() as conn:
                after = last_event_id if last_event_id is not None else alerts.last_event_id(conn)
            yield "retry: 3000\n\n"
            idle = 0.0
            while not await request.is_disconnected():
                try:
                    chunks, after = await asyncio.to_thread(_read_changes, rt, after)
                except SQLAlchemyError:
                    # End the stream; the client reconnects with Last-Event-ID (retry: 3 s).
                    log.warning("alert stream: database unavailable, closing the stream")
                    return
                for chunk in chunks:
                    yield chunk
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), STREAM_POLL_S)
                    idle = 0.0
                except TimeoutError:
                    idle += STREAM_POLL_S
                    if idle >= HEARTBEAT_S:
                        idle = 0.0
                        yield ": keep-alive\n\n"
        finally:
            rt.broker.unsubscribe(wake)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _read_changes(rt: AlertRuntime, after: int) -> tuple[list[str], int]:
    with rt.engine.connect() as conn:
        changes = alerts.events_after(conn, after)
        if not changes:
            return [], after
        rows = {r.id: r for r in alerts.list_alerts_by_id(conn, {c.alert_id for c in changes})}
        docs = {d["id"]: d for d in _documents(conn, list(rows.values()), rt)}
    chunks = []
    for c in changes:
        data = json.dumps({**docs[c.alert_id], "event": c.event}, ensure_ascii=False)
        chunks.append(f"id: {c.id}\nevent: alert\ndata: {data}\n\n")
    return chunks, changes[-1].id


@router.get("/outbox", summary="Alert deliveries (pending, sent, dead letters)")
def outbox(
    conn: ConnDep,
    ctx: ContextDep,
    state: Literal["pending", "sent", "dead"] | None = None,
    alert: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[dict[str, Any]]:
    """Outbox rows without their payload (e-mail bodies stay on the server)."""
    tz = runtime_for(ctx).tz
    return [
        {
            "id": m.id,
            "alert_id": m.alert_id,
            "channel": m.channel,
            "recipient": m.recipient,
            "address": mask_address(m.address),
            "idempotency_key": m.idempotency_key,
            "state": m.state,
            "attempts": m.attempts,
            "next_attempt_at": epoch_to_local_iso(m.next_attempt_at, tz),
            "last_error": redact_text(m.last_error, m.address),
            "created_at": epoch_to_local_iso(m.created_at, tz),
            "sent_at": epoch_to_local_iso(m.sent_at, tz) if m.sent_at else None,
        }
        for m in alert_outbox.list_messages(conn, state=state, alert_id=alert, limit=limit)
    ]


@router.post("/outbox/{message_id}/retry", summary="Re-queue a dead letter")
def retry(message_id: IdPath, ctx: ContextDep) -> dict[str, Any]:
    """Put a dead-lettered message back in the queue (409 when it is not dead)."""
    rt = runtime_for(ctx)
    with rt.engine.begin() as conn:
        if not alert_outbox.requeue(conn, message_id, rt.clock()):
            raise HTTPException(409, "Tin nhắn không ở trạng thái dead / message is not dead")
    return {"id": message_id, "state": alert_outbox.PENDING}


@router.get("/{alert_id}", summary="One alert with its history and deliveries")
def get_one(alert_id: IdPath, conn: ConnDep, ctx: ContextDep) -> dict[str, Any]:
    """The alert JSON plus ``history`` (who did what, when)."""
    rt = runtime_for(ctx)
    row = alerts.get_alert(conn, alert_id)
    if row is None:
        raise HTTPException(404, str(UnknownAlert(alert_id)))
    doc = _documents(conn, [row], rt)[0]
    doc["history"] = [
        {
            "id": e.id,
            "event": e.event,
            "at": epoch_to_local_iso(e.at, rt.tz),
            "actor": e.actor,
            "comment": e.comment,
            "details": e.details,
        }
        for e in alerts.alert_history(conn, alert_id)
    ]
    return doc


@router.post("/{alert_id}/ack", summary="Acknowledge an alert (stops reminders and escalation)")
def ack(
    alert_id: IdPath, body: AckBody, ctx: ContextDep, principal: PrincipalDep
) -> dict[str, Any]:
    """404 for an unknown id, 409 for a resolved alert.

    The record names the logged-in account (session or API token) — evidence must not depend
    on what a client writes in the body; with login off, ``by`` is required instead.
    """
    if principal.via in ("session", "token"):
        by = principal.actor
    elif body.by and body.by.strip():
        by = body.by.strip()
    else:
        raise HTTPException(422, "Thiếu người xác nhận / 'by' is required when login is off")
    rt = runtime_for(ctx)
    try:
        row = rt.acknowledge(alert_id, by, body.comment)
    except UnknownAlert as exc:
        raise HTTPException(404, str(exc)) from exc
    except AlertAlreadyResolved as exc:
        raise HTTPException(409, str(exc)) from exc
    with rt.engine.connect() as conn:
        return _documents(conn, [row], rt)[0]
