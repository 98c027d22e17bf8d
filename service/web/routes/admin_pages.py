"""Administration pages (HTML, Vietnamese first): overview, users, stations and permits.

Admin role via the central policy (``/admin/**``); anonymous browsers are sent to the login
page, other roles get a 403 page. The forms validate with the JSON API's models and call the
same audited functions (``service.auth.accounts``, ``service.auth.admin_edits``). Limits and
alert recipients are in ``service.web.routes.admin_config_pages``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from service.admin import commands
from service.admin.limits import list_limits, overrides_file
from service.admin.pages import (
    PAGE_ERRORS,
    local_day,
    local_day_start,
    optional_flag,
    optional_number,
    optional_text,
    page,
    see_other,
    status_of,
)
from service.admin.requests import PasswordSet, PermitUpdate, SiteUpdate, UserCreate, UserUpdate
from service.auth.accounts import list_accounts
from service.auth.admin_edits import permit_row, site_row
from service.auth.deps import AdminDep
from service.auth.principal import Principal, Role
from service.web.deps import ContextDep
from stations.errors import InvalidRequest, UnknownStation
from stations.registry import APPLICABILITY_DATES
from stations.store.sites import list_sites
from stations.timeutil import epoch_to_local_iso

router = APIRouter(prefix="/admin", include_in_schema=False)

ROLES = [r.label for r in Role]
SITE_TYPES = {
    "station": "Trạm tự động / Automatic stations",
    "point": "Điểm định kỳ / Periodic points",
}
Text = Annotated[str, Form(max_length=4000)]


def _tz(ctx: ContextDep) -> ZoneInfo:
    return ZoneInfo(ctx.settings.display_tz)


# --- overview -------------------------------------------------------------------------------


@router.get("")
def index(ctx: ContextDep, admin: AdminDep) -> Response:
    """Links to every administration page, with a few counts."""
    with ctx.engine.connect() as conn:
        accounts = list_accounts(conn)
        stations = list_sites(conn, site_type="station")
    try:
        missing = len(list_limits(overrides_file(ctx.settings.data_dir), missing=True))
    except PAGE_ERRORS:
        missing = None  # a broken overlay file: the limits page says why
    return page(
        "index.html",
        admin,
        users=len(accounts),
        stations=len(stations),
        missing=missing,
        alerts_file=ctx.settings.alerts_file,
    )


# --- users ----------------------------------------------------------------------------------


def _users_page(
    ctx: ContextDep, admin: Principal, *, status: int = 200, **messages: Any
) -> Response:
    tz = _tz(ctx)
    with ctx.engine.connect() as conn:
        accounts = list_accounts(conn)
    rows = [
        {
            "account": a,
            "last_login": epoch_to_local_iso(a.last_login_at, tz) if a.last_login_at else "—",
        }
        for a in accounts
    ]
    return page("users.html", admin, status=status, rows=rows, roles=ROLES, **messages)


@router.get("/users")
def users(ctx: ContextDep, admin: AdminDep, ok: str | None = None) -> Response:
    """Accounts, a form to create one, and per account: role/active/name and a new password."""
    return _users_page(ctx, admin, ok=ok)


@router.post("/users")
def users_create(
    ctx: ContextDep,
    admin: AdminDep,
    username: Text = "",
    display_name: Text = "",
    role: Text = "viewer",
    password: Text = "",
    reason: Text = "",
) -> Response:
    """Create an account (the same checks as ``POST /api/admin/users``)."""
    try:
        body = UserCreate(
            username=username.strip(),
            display_name=display_name,
            role=role,  # type: ignore[arg-type]
            password=password or None,
            reason=optional_text(reason),
        )
        commands.create_user(ctx.engine, body, admin.actor)
    except PAGE_ERRORS as exc:
        return _users_page(ctx, admin, status=status_of(exc), error=exc)
    return see_other("/admin/users?ok=created")


@router.post("/users/{username}")
def users_update(
    username: str,
    ctx: ContextDep,
    admin: AdminDep,
    role: Text = "",
    active: Text = "",
    display_name: Text = "",
    reason: Text = "",
) -> Response:
    """Change role, active flag or display name (the last administrator stays)."""
    try:
        body = UserUpdate(
            role=role or None,  # type: ignore[arg-type]
            active=optional_flag(active),
            display_name=optional_text(display_name),
            reason=optional_text(reason),
        )
        commands.update_user(ctx.engine, username, body, admin.actor)
    except PAGE_ERRORS as exc:
        return _users_page(ctx, admin, status=status_of(exc), error=exc)
    return see_other("/admin/users?ok=saved")


@router.post("/users/{username}/password")
def users_password(
    username: str, ctx: ContextDep, admin: AdminDep, password: Text = "", reason: Text = ""
) -> Response:
    """Set a new password (≥ 10 characters); the user's sessions end."""
    try:
        body = PasswordSet(password=password, reason=optional_text(reason))
        commands.set_user_password(ctx.engine, username, body, admin.actor)
    except PAGE_ERRORS as exc:
        return _users_page(ctx, admin, status=status_of(exc), error=exc)
    return see_other("/admin/users?ok=password")


# --- stations and permits -------------------------------------------------------------------


@router.get("/stations")
def stations(
    ctx: ContextDep,
    admin: AdminDep,
    kind: str = Query("station", alias="type", max_length=16),
    ok: str | None = None,
) -> Response:
    """Stations (or periodic points) with their active flag and permit."""
    site_type = kind if kind in SITE_TYPES else "station"
    with ctx.engine.connect() as conn:
        sites = list_sites(conn, site_type=site_type)
    return page(
        "stations.html", admin, ok=ok, sites=sites, site_type=site_type, site_types=SITE_TYPES
    )


def _station_page(
    ctx: ContextDep,
    admin: Principal,
    site_id: str,
    *,
    status: int = 200,
    form: dict[str, Any] | None = None,
    **messages: Any,
) -> Response:
    tz = _tz(ctx)
    try:
        with ctx.engine.connect() as conn:
            site = site_row(conn, site_id)
            permit = permit_row(conn, site_id)
    except UnknownStation as exc:
        title = "Không tìm thấy / Not found"
        return page("message.html", admin, status=404, error=exc, title=title)
    shown = form or _permit_form(permit, tz)
    return page("station.html", admin, status=status, site=site, permit=shown, **messages)


def _permit_form(permit: dict[str, Any] | None, tz: ZoneInfo) -> dict[str, Any]:
    permit = permit or {}
    return {
        "regulation": permit.get("regulation") or "",
        "column_class": permit.get("column_class") or "",
        "coefficients": json.dumps(permit.get("coefficients") or {}, ensure_ascii=False),
        "limits": json.dumps(permit.get("limits") or {}, ensure_ascii=False),
        "o2_ref": "" if permit.get("o2_ref") is None else f"{permit['o2_ref']:g}",
        "basis": permit.get("basis") or "1h",
        "valid_from": local_day(permit.get("valid_from"), tz),
        "valid_to": local_day(permit.get("valid_to"), tz),
        **{k: permit.get(k) or "" for k in APPLICABILITY_DATES},
    }


@router.get("/stations/{site_id}")
def station(site_id: str, ctx: ContextDep, admin: AdminDep, ok: str | None = None) -> Response:
    """One site: name and active flag; the permit fields of a station."""
    return _station_page(ctx, admin, site_id, ok=ok)


@router.post("/stations/{site_id}")
def station_update(
    site_id: str,
    ctx: ContextDep,
    admin: AdminDep,
    name: Text = "",
    active: Text = "",
    reason: Text = "",
) -> Response:
    """Rename or (de)activate, with a reason (``PATCH /api/admin/stations/{id}``)."""
    try:
        body = SiteUpdate(
            name=optional_text(name),
            active=optional_flag(active),
            reason=reason.strip(),
        )
        commands.edit_site(ctx.engine, site_id, body, admin.actor)
    except PAGE_ERRORS as exc:
        return _station_page(ctx, admin, site_id, status=status_of(exc), error=exc)
    return see_other(f"/admin/stations/{quote(site_id, safe='')}?ok=saved")


def _json_field(text: str, name: str) -> dict[str, Any]:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise InvalidRequest(f'{name}: cần JSON / expected JSON, e.g. {{"Kq": 0.9}}') from None
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name}: cần một đối tượng JSON / expected a JSON object")
    return value


@router.post("/stations/{site_id}/permit")
def station_permit(
    site_id: str,
    ctx: ContextDep,
    admin: AdminDep,
    regulation: Text = "",
    column_class: Text = "",
    coefficients: Text = "",
    limits: Text = "",
    o2_ref: Text = "",
    basis: Text = "1h",
    valid_from: Text = "",
    valid_to: Text = "",
    operating_since: Text = "",
    eia_approved_on: Text = "",
    permit_date: Text = "",
    reason: Text = "",
) -> Response:
    """Every permit field as shown on the page (``PATCH /api/admin/stations/{id}/permit``);
    only the fields that change appear in the audit trail."""
    form = {
        "regulation": regulation,
        "column_class": column_class,
        "coefficients": coefficients,
        "limits": limits,
        "o2_ref": o2_ref,
        "basis": basis,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "operating_since": operating_since,
        "eia_approved_on": eia_approved_on,
        "permit_date": permit_date,
    }
    tz = _tz(ctx)
    try:
        body = PermitUpdate(
            regulation=optional_text(regulation),
            column_class=optional_text(column_class.upper()),
            coefficients=_json_field(coefficients, "coefficients"),
            limits=_json_field(limits, "limits"),
            o2_ref=optional_number(o2_ref, "o2_ref"),
            basis=basis,  # type: ignore[arg-type]
            valid_from=local_day_start(valid_from, tz, "valid_from"),
            valid_to=local_day_start(valid_to, tz, "valid_to"),
            operating_since=optional_text(operating_since),
            eia_approved_on=optional_text(eia_approved_on),
            permit_date=optional_text(permit_date),
            reason=reason.strip(),
        )
        commands.edit_permit(ctx.engine, site_id, body, admin.actor)
    except PAGE_ERRORS as exc:
        return _station_page(ctx, admin, site_id, status=status_of(exc), error=exc, form=form)
    return see_other(f"/admin/stations/{quote(site_id, safe='')}?ok=saved")
