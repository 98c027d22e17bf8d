"""Administration pages for configuration files: limit overrides and alert recipients.

Same functions as ``/api/admin/limits`` and ``/api/admin/recipients`` (``service.admin``);
the forms validate with the API's models. Admin role via the central policy (``/admin/**``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from service.admin.commands import drop_limit_override, save_limit, save_recipients
from service.admin.limits import (
    LimitEntry,
    get_limit,
    list_limits,
    overrides_file,
)
from service.admin.pages import PAGE_ERRORS, page, see_other, status_of
from service.admin.recipients import (
    parse_recipients_yaml,
    read_recipients,
    recipients_yaml,
)
from service.auth.deps import AdminDep
from service.auth.principal import Principal
from service.web.deps import ContextDep
from service.web.routes.admin_config import LimitEdit
from stations.limits.loader import package_table

router = APIRouter(prefix="/admin", include_in_schema=False)

CONFIDENCE = {
    "high": "cao / high",
    "medium": "trung bình / medium",
    "low": "thấp / low",
    "missing": "thiếu giá trị / missing",
}
Text = Annotated[str, Form(max_length=4000)]
LongText = Annotated[str, Form(max_length=200_000)]
_NUMS = ("value", "low", "high")


# --- limits ---------------------------------------------------------------------------------


@router.get("/limits")
def limits(
    ctx: ContextDep,
    admin: AdminDep,
    regulation: str = Query("", max_length=64),
    parameter: str = Query("", max_length=32),
    missing: bool = False,
    ok: str | None = None,
) -> Response:
    """The merged limit table, filtered; rows without a value are highlighted."""
    path = overrides_file(ctx.settings.data_dir)
    filters = {"regulation": regulation, "parameter": parameter, "missing": missing}
    error: Exception | None
    try:
        entries = list_limits(
            path,
            regulation=regulation or None,
            parameter=parameter or None,
            missing=True if missing else None,
        )
    except PAGE_ERRORS as exc:
        entries, error = [], exc
    else:
        error = None
    return page(
        "limits.html",
        admin,
        status=422 if error else 200,
        ok=ok,
        error=error,
        entries=entries,
        filters=filters,
        regulations=package_table().regulations(),
        overrides_file=path,
    )


def _limit_page(
    ctx: ContextDep,
    admin: Principal,
    key: str,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    **messages: Any,
) -> Response:
    try:
        entry = get_limit(overrides_file(ctx.settings.data_dir), key)
    except PAGE_ERRORS as exc:
        title = "Không sửa được / Cannot edit"
        return page("message.html", admin, status=status_of(exc), error=exc, title=title)
    shown = form or _limit_form(entry)
    return page(
        "limit.html",
        admin,
        status=status,
        entry=entry,
        form=shown,
        confidence=CONFIDENCE,
        **messages,
    )


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _limit_form(entry: LimitEntry) -> dict[str, Any]:
    limit = entry.limit
    return {
        "value": _number(limit.value),
        "low": _number(limit.low),
        "high": _number(limit.high),
        "unit": limit.unit,
        "citation": limit.citation,
        "confidence": str(limit.confidence),
        "effective_to": limit.effective_to.isoformat() if limit.effective_to else "",
        "note": limit.note,
    }


@router.get("/limits/{key}")
def limit(key: str, ctx: ContextDep, admin: AdminDep, ok: str | None = None) -> Response:
    """One row: the edit form, and the cited row with a revert form when it is overridden."""
    return _limit_page(ctx, admin, key, ok=ok)


@router.post("/limits/{key}")
def limit_edit(
    key: str,
    ctx: ContextDep,
    admin: AdminDep,
    value: Text = "",
    low: Text = "",
    high: Text = "",
    unit: Text = "",
    citation: Text = "",
    confidence: Text = "",
    effective_to: Text = "",
    note: Text = "",
    reason: Text = "",
) -> Response:
    """Override the row (``PUT /api/admin/limits/{key}``)."""
    form = {
        "value": value,
        "low": low,
        "high": high,
        "unit": unit,
        "citation": citation,
        "confidence": confidence,
        "effective_to": effective_to,
        "note": note,
    }
    try:
        numbers = {k: v.strip().replace(",", ".") or None for k, v in form.items() if k in _NUMS}
        body = LimitEdit.model_validate(
            {
                **numbers,
                "unit": unit.strip(),
                "citation": citation.strip(),
                "confidence": confidence,
                "effective_to": effective_to.strip() or None,
                "note": note.strip(),
                "reason": reason.strip(),
            }
        )
        save_limit(ctx, key, body.changes(), actor=admin.actor, reason=body.reason)
    except PAGE_ERRORS as exc:
        return _limit_page(ctx, admin, key, status=status_of(exc), error=exc, form=form)
    return see_other(f"/admin/limits/{key}?ok=saved")


@router.post("/limits/{key}/revert")
def limit_revert(key: str, ctx: ContextDep, admin: AdminDep, reason: Text = "") -> Response:
    """Drop the override (``DELETE /api/admin/limits/{key}``)."""
    try:
        entry = drop_limit_override(ctx, key, actor=admin.actor, reason=reason)
    except PAGE_ERRORS as exc:
        return _limit_page(ctx, admin, key, status=status_of(exc), error=exc)
    return see_other(f"/admin/limits/{key}?ok=reverted" if entry else "/admin/limits?ok=reverted")


# --- alert recipients -----------------------------------------------------------------------


def _recipients_page(
    ctx: ContextDep,
    admin: Principal,
    *,
    status: int = 200,
    text: str | None = None,
    **messages: Any,
) -> Response:
    try:
        current = read_recipients(ctx.settings)
    except PAGE_ERRORS as exc:
        title = "Người nhận cảnh báo / Alert recipients"
        return page("message.html", admin, status=status_of(exc), error=exc, title=title)
    shown = recipients_yaml(current) if text is None else text
    return page("recipients.html", admin, status=status, current=current, text=shown, **messages)


@router.get("/recipients")
def recipients(ctx: ContextDep, admin: AdminDep, ok: str | None = None) -> Response:
    """Contacts, lists, routes and the duty officer; the section as YAML to edit."""
    return _recipients_page(ctx, admin, ok=ok)


@router.post("/recipients")
def recipients_save(
    ctx: ContextDep, admin: AdminDep, recipients: LongText = "", reason: Text = ""
) -> Response:
    """Replace the section (``PUT /api/admin/recipients``): validated, backed up, audited,
    reloaded."""
    try:
        new = parse_recipients_yaml(recipients)
        save_recipients(ctx, new, actor=admin.actor, reason=reason)
    except PAGE_ERRORS as exc:
        return _recipients_page(ctx, admin, status=status_of(exc), error=exc, text=recipients)
    return see_other("/admin/recipients?ok=saved")
