"""Administration API for configuration files: limit overrides and alert recipients.

``/api/admin/limits`` edits the overlay on the cited limit files (``service.admin.limits``);
``/api/admin/recipients`` edits the recipients section of the alerts file
(``service.admin.recipients``). Admin role (policy table and ``AdminDep``); every change is
audited with before/after and a mandatory reason.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from service.admin.commands import drop_limit_override, save_limit, save_recipients
from service.admin.limits import get_limit, list_limits, overrides_file
from service.admin.recipients import Recipients, read_recipients
from service.auth.deps import AdminDep
from service.web.deps import ContextDep

router = APIRouter(prefix="/api/admin", tags=["admin"])

Reason = Annotated[str, Field(min_length=3, max_length=2000, description="lý do / reason")]
Number = Annotated[float, Field(allow_inf_nan=False)]


class LimitEdit(BaseModel):
    """New values for one limit row. ``value``/``low``/``high`` are replaced together (left
    out = empty); the other fields stay as they are when left out."""

    value: Number | None = Field(None, description="a maximum")
    low: Number | None = Field(None, description="range low, or a minimum alone")
    high: Number | None = Field(None, description="range high")
    unit: str | None = Field(None, min_length=1, max_length=32)
    citation: str | None = Field(None, min_length=3, max_length=1000)
    confidence: Literal["high", "medium", "low", "missing"]
    effective_to: date | None = Field(None, description="last day in force; null = open")
    note: str | None = Field(None, max_length=1000)
    reason: Reason

    def changes(self) -> dict[str, Any]:
        """The fields to write: the value triple always, the others when given."""
        keep = {"value", "low", "high", "confidence"} | self.model_fields_set
        return self.model_dump(include=keep - {"reason"})


class RecipientsUpdate(Recipients):
    """The new recipients section and why."""

    reason: Reason


@router.get("/limits", summary="Limit rows with their source (package or override)")
def limits_list(
    ctx: ContextDep,
    _admin: AdminDep,
    regulation: str | None = Query(None, max_length=64, description="e.g. QCVN 40:2025"),
    parameter: str | None = Query(None, max_length=32),
    missing: bool | None = Query(None, description="true: rows without a value"),
) -> dict[str, Any]:
    """Every row of the merged table; ``key`` is stable and used to edit or revert."""
    path = overrides_file(ctx.settings.data_dir)
    items = list_limits(path, regulation=regulation, parameter=parameter, missing=missing)
    return {"overrides_file": str(path), "items": [e.as_dict() for e in items]}


@router.put("/limits/{key}", summary="Override one limit row (audited)")
def limits_edit(
    key: Annotated[str, Path(max_length=64)], body: LimitEdit, ctx: ContextDep, admin: AdminDep
) -> dict[str, Any]:
    """Write the row into the overlay; 422 with the loader's message when the result would be
    invalid (then nothing changes)."""
    entry = save_limit(ctx, key, body.changes(), actor=admin.actor, reason=body.reason)
    return entry.as_dict()


@router.delete("/limits/{key}", summary="Drop an override: the cited row applies again")
def limits_revert(
    key: Annotated[str, Path(max_length=64)],
    ctx: ContextDep,
    admin: AdminDep,
    reason: str = Query(min_length=3, max_length=2000, description="lý do / reason"),
) -> dict[str, Any]:
    """The row as it is now (the package row), or ``{"key", "removed": true}`` for a row
    that only the overlay had."""
    entry = drop_limit_override(ctx, key, actor=admin.actor, reason=reason)
    return {"key": key, "removed": True} if entry is None else entry.as_dict()


@router.get("/limits/{key}", summary="One limit row")
def limits_get(
    key: Annotated[str, Path(max_length=64)], ctx: ContextDep, _admin: AdminDep
) -> dict[str, Any]:
    """The row, its source and (for an override) the cited row it replaces."""
    return get_limit(overrides_file(ctx.settings.data_dir), key).as_dict()


@router.get("/recipients", summary="Alert recipients, lists, routes and duty officer")
def recipients_get(ctx: ContextDep, _admin: AdminDep) -> dict[str, Any]:
    """The recipients section of the alerts file (webhook URLs masked); 409 without a file."""
    return read_recipients(ctx.settings)


@router.put("/recipients", summary="Replace the alert recipients (audited, reloaded)")
def recipients_put(body: RecipientsUpdate, ctx: ContextDep, admin: AdminDep) -> dict[str, Any]:
    """Validate, keep a timestamped backup, write, audit and reload the running alerts."""
    new = Recipients.model_validate(body.model_dump(exclude={"reason"}))
    return save_recipients(ctx, new, actor=admin.actor, reason=body.reason)
