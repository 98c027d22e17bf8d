"""``GET /admin/ingest``: the ingestion page for administrators (read-only, Vietnamese first).

How each station's files deviate from the canonical form, the latest quarantined files and the
latest conflicting resent values; the actions are the CLI and the JSON API (docs/ingestion.md).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from service.admin.pages import page
from service.auth.deps import AdminDep
from service.web.deps import ContextDep
from stations.store.conflicts import list_conflicts
from stations.store.format_notes import format_summary
from stations.store.quarantine import list_quarantined
from stations.timeutil import epoch_to_local_iso

router = APIRouter(prefix="/admin", include_in_schema=False)
SHOWN = 50


@router.get("/ingest")
def ingest_page(ctx: ContextDep, admin: AdminDep) -> Response:
    """Format notes per station, quarantined files, conflicts."""
    with ctx.engine.connect() as conn:
        summary = format_summary(conn)
        quarantined, q_total = list_quarantined(conn, limit=SHOWN)
        conflicts, c_total = list_conflicts(conn, limit=SHOWN)
    for row in summary["stations"]:
        last = row["last_deviation"]
        row["last_deviation"] = epoch_to_local_iso(last) if last else None
    return page(
        "ingest.html",
        admin,
        stations=summary["stations"],
        quarantined=[
            {**r._mapping, "received": epoch_to_local_iso(r.received_at)} for r in quarantined
        ],
        quarantined_total=q_total,
        conflicts=[{**r._mapping, "time": epoch_to_local_iso(r.observed_at)} for r in conflicts],
        conflicts_total=c_total,
    )
