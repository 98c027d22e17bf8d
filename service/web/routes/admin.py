"""Administration API under ``/api/admin``: users, API tokens, sites, permits, corrections, audit.

Every route needs the admin role (the route table in ``service.auth.policy`` says so, and each
route checks again with ``AdminDep``). Every change is written to the audit trail in the same
transaction; changes to evidence or the registry require a reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, Field

from service.admin import commands
from service.admin.requests import (
    PasswordSet,
    PermitUpdate,
    Reason,
    SiteUpdate,
    TokenCreate,
    UserCreate,
    UserUpdate,
)
from service.admin.requests import RoleName as RoleName  # re-exported for importers
from service.admin.requests import changes_of as changes_of
from service.auth.accounts import Account, list_accounts
from service.auth.credentials import TokenInfo, issue_token, list_tokens, revoke_token
from service.auth.deps import AdminDep
from service.settings import Settings
from service.web.deps import ContextDep
from service.web.params import IdPath, TimeQuery, epoch_of
from stations.store.audit import list_audit
from stations.store.corrections import UnknownReading, list_corrections, record_correction
from stations.timeutil import epoch_to_local_iso, now_epoch, to_epoch

router = APIRouter(prefix="/api/admin", tags=["admin"])


class CorrectionCreate(BaseModel):
    """A corrected value for one stored reading (the original stays)."""

    station_id: str = Field(min_length=1, max_length=64)
    parameter: str = Field(min_length=1, max_length=32)
    observed_at: AwareDatetime
    value: float | None = Field(description="null invalidates the reading")
    status: Literal["00", "01", "02"] | None = None
    reason: Reason


# --- helpers --------------------------------------------------------------------------------


def _iso(seconds: int | None, tz: ZoneInfo) -> str | None:
    return None if seconds is None else epoch_to_local_iso(seconds, tz)


def _user(a: Account, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "username": a.username,
        "display_name": a.display_name,
        "role": a.role,
        "active": a.active,
        "created_at": _iso(a.created_at, tz),
        "updated_at": _iso(a.updated_at, tz),
        "last_login_at": _iso(a.last_login_at, tz),
    }


def _token(t: TokenInfo, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": t.id,
        "username": t.username,
        "name": t.name,
        "prefix": t.prefix,
        "role": t.role,
        "created_at": _iso(t.created_at, tz),
        "expires_at": _iso(t.expires_at, tz),
        "revoked_at": _iso(t.revoked_at, tz),
        "last_used_at": _iso(t.last_used_at, tz),
    }


def _tz(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.display_tz)


# --- users ----------------------------------------------------------------------------------


@router.get("/users", summary="List staff accounts")
def users_list(ctx: ContextDep, _admin: AdminDep) -> list[dict[str, Any]]:
    """Every account (never a password hash)."""
    with ctx.engine.connect() as conn:
        return [_user(a, _tz(ctx.settings)) for a in list_accounts(conn)]


@router.post("/users", status_code=201, summary="Create a staff account")
def users_create(body: UserCreate, ctx: ContextDep, admin: AdminDep) -> dict[str, Any]:
    """Create an account; without a password it can only use API tokens."""
    return _user(commands.create_user(ctx.engine, body, admin.actor), _tz(ctx.settings))


@router.patch("/users/{username}", summary="Change a user's role, active flag or name")
def users_update(
    username: str, body: UserUpdate, ctx: ContextDep, admin: AdminDep
) -> dict[str, Any]:
    """Disabling a user ends their sessions and stops their tokens at once."""
    account = commands.update_user(ctx.engine, username, body, admin.actor)
    return _user(account, _tz(ctx.settings))


@router.put("/users/{username}/password", status_code=204, summary="Set a user's password")
def users_password(username: str, body: PasswordSet, ctx: ContextDep, admin: AdminDep) -> None:
    """Set a new password (≥ 10 characters); the user's open sessions end."""
    commands.set_user_password(ctx.engine, username, body, admin.actor)


# --- API tokens -----------------------------------------------------------------------------


@router.get("/tokens", summary="List API tokens")
def tokens_list(
    ctx: ContextDep, _admin: AdminDep, username: str | None = Query(None, max_length=64)
) -> list[dict[str, Any]]:
    """Every token (or one user's); the secret itself is never shown again."""
    with ctx.engine.connect() as conn:
        return [_token(t, _tz(ctx.settings)) for t in list_tokens(conn, username)]


@router.post("/tokens", status_code=201, summary="Create an API token (shown once)")
def tokens_create(body: TokenCreate, ctx: ContextDep, admin: AdminDep) -> dict[str, Any]:
    """Create a token; the response holds the only copy of the secret ``token``."""
    now = now_epoch()
    expires = None
    if body.expires_in_days:
        expires = now + int(timedelta(days=body.expires_in_days).total_seconds())
    with ctx.engine.begin() as conn:
        info, secret = issue_token(
            conn,
            username=body.username,
            name=body.name,
            role=body.role,
            expires_at=expires,
            actor=admin.actor,
            now=now,
        )
    return {**_token(info, _tz(ctx.settings)), "token": secret}


@router.delete("/tokens/{token_id}", summary="Revoke an API token")
def tokens_revoke(
    token_id: IdPath, ctx: ContextDep, admin: AdminDep, reason: str | None = Query(None)
) -> dict[str, Any]:
    """Revoke a token at once (revoking twice is harmless)."""
    with ctx.engine.begin() as conn:
        info = revoke_token(conn, token_id, actor=admin.actor, now=now_epoch(), reason=reason)
    return _token(info, _tz(ctx.settings))


# --- registry: sites and permits ------------------------------------------------------------


@router.patch("/stations/{site_id}", summary="Rename or (de)activate a station or point")
def stations_update(
    site_id: str, body: SiteUpdate, ctx: ContextDep, admin: AdminDep
) -> dict[str, Any]:
    """Change a site's name and/or active flag, with a reason (audited)."""
    return commands.edit_site(ctx.engine, site_id, body, admin.actor)


@router.patch("/stations/{site_id}/permit", summary="Change a station's permit fields")
def permits_update(
    site_id: str, body: PermitUpdate, ctx: ContextDep, admin: AdminDep
) -> dict[str, Any]:
    """Record new permit fields with a reason (audited); compliance recomputes on its own."""
    return commands.edit_permit(ctx.engine, site_id, body, admin.actor)


# --- corrections ----------------------------------------------------------------------------


@router.post("/corrections", status_code=201, summary="Correct a reading (a new version)")
def corrections_create(body: CorrectionCreate, ctx: ContextDep, admin: AdminDep) -> dict[str, Any]:
    """Add a correction version; the stored reading itself never changes."""
    try:
        with ctx.engine.begin() as conn:
            c = record_correction(
                conn,
                station_id=body.station_id,
                parameter=body.parameter,
                observed_at=to_epoch(body.observed_at),
                value=body.value,
                status=body.status,
                reason=body.reason,
                actor=admin.actor,
                now=now_epoch(),
            )
    except UnknownReading as exc:
        raise HTTPException(404, str(exc)) from exc
    tz = _tz(ctx.settings)
    return {
        "id": c.id,
        "station_id": c.station_id,
        "parameter": c.parameter,
        "observed_at": _iso(c.observed_at, tz),
        "version": c.version,
        "value": c.value,
        "status": c.status,
        "original_value": c.original_value,
        "reason": c.reason,
        "corrected_by": c.corrected_by,
        "corrected_at": _iso(c.corrected_at, tz),
    }


@router.get("/corrections", summary="List reading corrections")
def corrections_list(
    ctx: ContextDep,
    _admin: AdminDep,
    station: str | None = Query(None, max_length=64),
    parameter: str | None = Query(None, max_length=32),
    limit: int = Query(500, ge=1, le=5000),
) -> list[dict[str, Any]]:
    """Corrections, newest reading time first."""
    tz = _tz(ctx.settings)
    with ctx.engine.connect() as conn:
        items = list_corrections(conn, station_id=station, parameter=parameter, limit=limit)
    return [
        {
            **{k: getattr(c, k) for k in c.__slots__},  # type: ignore[attr-defined]
            "observed_at": _iso(c.observed_at, tz),
            "corrected_at": _iso(c.corrected_at, tz),
        }
        for c in items
    ]


# --- audit trail ----------------------------------------------------------------------------


@router.get("/audit", summary="The audit trail, newest first")
def audit_list(
    ctx: ContextDep,
    _admin: AdminDep,
    actor: str | None = Query(None, max_length=64),
    action: str | None = Query(None, max_length=64, description="prefix, e.g. user."),
    target: str | None = Query(None, max_length=200, description="prefix, e.g. site:LS_"),
    start: TimeQuery = None,
    end: TimeQuery = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """Entries with who, when, action, target, before/after and reason."""
    tz = _tz(ctx.settings)
    with ctx.engine.connect() as conn:
        entries, total = list_audit(
            conn,
            actor=actor,
            action=action,
            target=target,
            start=epoch_of(start, "start", tz),
            end=epoch_of(end, "end", tz),
            limit=limit,
            offset=offset,
        )
    return {
        "total": total,
        "items": [
            {
                "id": e.id,
                "at": _iso(e.at, tz),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
            }
            for e in entries
        ],
    }
