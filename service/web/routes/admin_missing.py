"""Limit values still to enter: ``GET /api/admin/missing-limits`` (JSON) and
``/admin/missing-limits`` (page), grouped by regulation and table with the citation to take each
value from, and the stations they leave "not assessed" today. Admin role (central policy).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from service.admin.limits import overrides_file
from service.admin.missing_limits import missing_limits
from service.admin.pages import PAGE_ERRORS, page
from service.auth.deps import AdminDep
from service.web.deps import ContextDep
from stations.timeutil import now_epoch

router = APIRouter(tags=["admin"])


def _missing(ctx: ContextDep) -> dict[str, Any]:
    with ctx.engine.connect() as conn:
        return missing_limits(overrides_file(ctx.settings.data_dir), conn, now_epoch())


@router.get(
    "/api/admin/missing-limits",
    summary="Limit values still to enter, by regulation and table, with citations",
)
def missing_json(ctx: ContextDep, _admin: AdminDep) -> dict[str, Any]:
    """``{count, stations_affected, groups: [{regulation, table, citations, count, rows}]}``;
    each row's ``key`` opens it in ``/api/admin/limits/{key}`` to enter the value."""
    return _missing(ctx)


@router.get("/admin/missing-limits", include_in_schema=False)
def missing_page(ctx: ContextDep, admin: AdminDep) -> Response:
    """The same list as a page, each row linking to its edit form."""
    try:
        body, error = _missing(ctx), None
    except PAGE_ERRORS as exc:  # a broken overrides file: say why
        body, error = {"count": 0, "stations_affected": [], "groups": []}, exc
    return page("missing_limits.html", admin, status=422 if error else 200, error=error, **body)
