"""Forwarding visibility: ``GET /api/admin/forwarding``, the ``/admin/forwarding`` page and the
``quantrac_forward_*`` lines of ``/metrics``. Admin role (the central policy covers both prefixes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from service.admin.pages import page
from service.auth.deps import AdminDep
from service.auth.observability import labels
from service.forwarding import Forwarding, forwarding_for
from service.web.deps import ContextDep
from stations.errors import InvalidRequest
from stations.forward.status import lag_exceeded
from stations.timeutil import epoch_to_local_iso, now_epoch

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/admin/forwarding", tags=["admin"])
pages = APIRouter(prefix="/admin/forwarding", include_in_schema=False)


def overview(fwd: Forwarding) -> list[dict[str, Any]]:
    """Per destination: figures, lag threshold and state, last run, where it goes (no secret)."""
    out = []
    for st in fwd.status():
        d = fwd.config.get(st.destination)
        row: dict[str, Any] = st.as_dict()
        threshold = fwd.threshold_s(d.id)
        row.update(
            type=d.type,
            host=d.host,
            port=d.port,
            folder=f"{d.root.rstrip('/')}/{d.folder}",
            content=d.content,
            lag_alert_threshold_s=threshold,
            lag_alert=lag_exceeded(st, threshold),
            last_run=fwd.last_run.get(d.id),
        )
        out.append(row)
    return out


@router.get("", summary="Forwarding status per destination")
def forwarding_status(ctx: ContextDep, _admin: AdminDep) -> dict[str, Any]:
    """Backlog, dead letters, last receipt and lag (received → confirmed) per destination."""
    return {"generated_at": now_epoch(), "destinations": overview(forwarding_for(ctx))}


@pages.get("")
def forwarding_page(ctx: ContextDep, admin: AdminDep) -> Response:
    """The same figures as a table, times in local time."""
    rows = overview(forwarding_for(ctx))
    for r in rows:
        for key in ("last_sent_at", "oldest_pending_received_at"):
            r[key + "_local"] = epoch_to_local_iso(r[key]) if r.get(key) else "—"
    return page("forwarding.html", admin, rows=rows, configured=bool(ctx.settings.forward_file))


def forward_metrics(ctx: Any) -> Iterator[str]:
    """Prometheus lines per configured destination (nothing without a forwarding file)."""
    if not ctx.settings.forward_file:
        return
    try:
        fwd = forwarding_for(ctx)
    except InvalidRequest as exc:  # the other metrics still answer; the API says what is wrong
        log.error("forwarding file: %s", exc)
        yield "# quantrac_forward_*: the forwarding file is invalid (see /api/admin/forwarding)"
        return
    figures = fwd.status()
    gauges = (
        ("backlog_files", "Files queued and not yet confirmed.", lambda s: s.pending),
        ("dead_letters", "Files given up after permanent refusals.", lambda s: s.dead),
        (
            "lag_seconds",
            "Age of the oldest unconfirmed file (received -> now).",
            lambda s: s.backlog_lag_s,
        ),
        (
            "last_success_timestamp_seconds",
            "Time of the last receipt (0: never).",
            lambda s: s.last_sent_at or 0,
        ),
        (
            "lag_alert",
            "1 when the lag is over the destination's threshold.",
            lambda s: int(lag_exceeded(s, fwd.threshold_s(s.destination))),
        ),
        ("sent_last_hour", "Files confirmed in the last hour.", lambda s: s.sent_last_hour),
    )
    for name, text, value in gauges:
        yield f"# HELP quantrac_forward_{name} {text}"
        yield f"# TYPE quantrac_forward_{name} gauge"
        for s in figures:
            yield f"quantrac_forward_{name}{labels(destination=s.destination)} {value(s)}"
