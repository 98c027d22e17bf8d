"""Administrator actions, written once: the JSON API (``/api/admin``) and the HTML pages
(``/admin``) both call these, so a rule or an audit entry cannot differ between them.

Each command validates nothing itself (the request models do), runs in one transaction, and
leaves the audit entry to the store functions it calls.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from service.admin.limits import LimitEntry, edit_limit, overrides_file, revert_limit
from service.admin.recipients import Recipients, replace_recipients
from service.admin.requests import (
    PasswordSet,
    PermitUpdate,
    SiteUpdate,
    UserCreate,
    UserUpdate,
    changes_of,
)
from service.auth.accounts import Account, create_account, set_password, update_account
from service.auth.admin_edits import update_permit, update_site
from service.runtime import Runtime
from stations.timeutil import now_epoch


def create_user(engine: Engine, body: UserCreate, actor: str) -> Account:
    """Create a staff account (without a password it can only use API tokens)."""
    with engine.begin() as conn:
        return create_account(
            conn,
            username=body.username,
            display_name=body.display_name,
            role=body.role,
            password=body.password,
            actor=actor,
            now=now_epoch(),
            reason=body.reason,
        )


def update_user(engine: Engine, username: str, body: UserUpdate, actor: str) -> Account:
    """Change role, active flag or display name (disabling ends sessions and tokens)."""
    with engine.begin() as conn:
        return update_account(
            conn, username, actor=actor, now=now_epoch(), reason=body.reason, **changes_of(body)
        )


def set_user_password(engine: Engine, username: str, body: PasswordSet, actor: str) -> None:
    """Set a new password; the user's open sessions end."""
    with engine.begin() as conn:
        set_password(
            conn, username, body.password, actor=actor, now=now_epoch(), reason=body.reason
        )


def edit_site(engine: Engine, site_id: str, body: SiteUpdate, actor: str) -> dict[str, Any]:
    """Rename or (de)activate a station or point, with a reason."""
    with engine.begin() as conn:
        return update_site(
            conn, site_id, changes_of(body), actor=actor, reason=body.reason, now=now_epoch()
        )


def edit_permit(engine: Engine, site_id: str, body: PermitUpdate, actor: str) -> dict[str, Any]:
    """Record new permit fields with a reason (compliance recomputes on its own)."""
    with engine.begin() as conn:
        return update_permit(
            conn, site_id, changes_of(body), actor=actor, reason=body.reason, now=now_epoch()
        )


def save_limit(
    rt: Runtime, key: str, changes: dict[str, Any], *, actor: str, reason: str
) -> LimitEntry:
    """Write a limit row into the data directory's overlay (the loader's checks apply)."""
    path = overrides_file(rt.settings.data_dir)
    return edit_limit(rt.engine, path, key, changes, actor=actor, reason=reason, now=now_epoch())


def drop_limit_override(rt: Runtime, key: str, *, actor: str, reason: str) -> LimitEntry | None:
    """Drop a row's override: the cited row applies again (None: an overlay-only row is gone)."""
    path = overrides_file(rt.settings.data_dir)
    return revert_limit(rt.engine, path, key, actor=actor, reason=reason, now=now_epoch())


def save_recipients(rt: Runtime, new: Recipients, *, actor: str, reason: str) -> dict[str, Any]:
    """Replace the alert recipients: validated, backed up, audited and reloaded."""
    return replace_recipients(rt, new, actor=actor, reason=reason, now=now_epoch())
