"""``GET /admin/ingest``: the ingestion page for administrators (Vietnamese first).

How each station's files deviate from the canonical form, the latest quarantined files and the
latest conflicting resent values; the actions are the CLI and the JSON API (docs/ingestion.md).
``/admin/ingest/preview`` tries a sample file (a form upload) and shows what would be stored,
storing nothing: the same answer as ``POST /api/admin/ingest/preview``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from service.admin.pages import page
from service.admin.preview import FORMATS, PREVIEW_MAX_BYTES, preview_sample, too_large
from service.auth.deps import AdminDep
from service.web.deps import ContextDep
from stations.errors import InvalidRequest
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


def _preview_page(admin: Any, status: int = 200, **context: Any) -> Response:
    form = {"format": "auto", "strict": False, **context.pop("form", {})}
    return page("ingest_preview.html", admin, status=status, formats=FORMATS, form=form, **context)


@router.get("/ingest/preview")
def preview_form(admin: AdminDep) -> Response:
    """The upload form."""
    return _preview_page(admin)


@router.post("/ingest/preview")
async def preview_page(request: Request, ctx: ContextDep, admin: AdminDep) -> Response:
    """Parse the uploaded sample and show its readings, notes and errors (nothing is stored)."""
    async with request.form(max_files=1, max_fields=10) as form:
        sample = form.get("sample")
        fmt, strict = str(form.get("format") or "auto"), bool(form.get("strict"))
        chosen: dict[str, Any] = {"format": fmt, "strict": strict}
        if not isinstance(sample, UploadFile) or not sample.filename:
            return _preview_page(
                admin, 400, form=chosen, error="Chọn một tệp / choose a file to try"
            )
        data = await sample.read(PREVIEW_MAX_BYTES + 1)
        name = sample.filename
    if len(data) > PREVIEW_MAX_BYTES:
        return _preview_page(admin, 413, form=chosen, error=too_large())
    try:
        result = await run_in_threadpool(preview_sample, ctx.engine, data, name, fmt, strict)
    except InvalidRequest as exc:
        return _preview_page(admin, 400, form=chosen, error=str(exc))
    return _preview_page(admin, form=chosen, result=result)
