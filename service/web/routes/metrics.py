"""``GET /metrics``: Prometheus text format (requests, ingestion, lag per station, outbox).

Request metrics are per process. The data metrics are read from the database at scrape time,
so every replica reports the same values for them; scrape one replica, or aggregate with
``max`` in Prometheus.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection, func, select

from service.auth.observability import labels
from service.schema import full_metadata
from service.web.deps import ContextDep
from service.web.routes.forwarding import forward_metrics
from service.web.routes.metrics_ingest import format_note_metrics
from stations.store.schema import ingested_files, latest_values, sites
from stations.timeutil import now_epoch

router = APIRouter(tags=["metrics"])

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Candidate names of the alert area's outbox table and of its "not yet sent" marker column.
OUTBOX_TABLES = ("alert_outbox", "outbox")
OUTBOX_PENDING_COLUMNS = ("sent_at", "delivered_at")


def _ingest_metrics(conn: Connection) -> Iterator[str]:
    yield "# HELP quantrac_ingested_files_total Files received, by outcome."
    yield "# TYPE quantrac_ingested_files_total counter"
    counts = conn.execute(
        select(
            ingested_files.c.outcome,
            func.count(),
            func.coalesce(func.sum(ingested_files.c.readings), 0),
        )
        .group_by(ingested_files.c.outcome)
        .order_by(ingested_files.c.outcome)
    ).all()
    for outcome, n, _ in counts:
        yield f"quantrac_ingested_files_total{labels(outcome=outcome)} {n}"
    yield "# HELP quantrac_ingested_readings_total Readings stored from received files."
    yield "# TYPE quantrac_ingested_readings_total counter"
    yield f"quantrac_ingested_readings_total {sum(int(r) for _, _, r in counts)}"


def _lag_metrics(conn: Connection, now: int) -> Iterator[str]:
    yield "# HELP quantrac_station_lag_seconds Seconds since the newest reading of each station."
    yield "# TYPE quantrac_station_lag_seconds gauge"
    rows = conn.execute(
        select(latest_values.c.station_id, func.max(latest_values.c.observed_at))
        .join(sites, sites.c.id == latest_values.c.station_id)
        .where(sites.c.active.is_(True))
        .group_by(latest_values.c.station_id)
        .order_by(latest_values.c.station_id)
    )
    for station_id, newest in rows:
        yield f"quantrac_station_lag_seconds{labels(station=station_id)} {max(0, now - newest)}"


def _outbox_metrics(conn: Connection) -> Iterator[str]:
    tables = full_metadata().tables
    table = next((tables[n] for n in OUTBOX_TABLES if n in tables), None)
    if table is None:
        return
    query = select(func.count()).select_from(table)
    pending = next((table.c[c] for c in OUTBOX_PENDING_COLUMNS if c in table.c), None)
    if pending is not None:
        query = query.where(pending.is_(None))
    try:
        depth = conn.scalar(query) or 0
    except Exception:  # table declared but not migrated yet: report nothing rather than fail
        conn.rollback()
        return
    yield "# HELP quantrac_alert_outbox_depth Alert messages waiting to be delivered."
    yield "# TYPE quantrac_alert_outbox_depth gauge"
    yield f"quantrac_alert_outbox_depth {depth}"


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(ctx: ContextDep) -> PlainTextResponse:
    """Request counts and latency by route, ingestion counts, lag per station, outbox depth."""
    lines: list[str] = []
    lines.extend(ctx.request_metrics.exposition())
    with ctx.engine.connect() as conn:
        lines.extend(_ingest_metrics(conn))
        lines.extend(format_note_metrics(conn))
        lines.extend(_lag_metrics(conn, now_epoch()))
        lines.extend(_outbox_metrics(conn))
    lines.extend(forward_metrics(ctx))
    return PlainTextResponse("\n".join(lines) + "\n", media_type=CONTENT_TYPE)
