"""Staff accounts: create, change role, enable/disable, set passwords; every change audited.

Functions take a connection inside the caller's transaction, the acting user's name (for the
audit trail) and ``now``; the web routes and the ``quantrac user`` commands share them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Connection, insert, select, update

from service.auth.errors import AccountError, AccountExists, UnknownAccount
from service.auth.passwords import hash_password, needs_rehash, verify_password
from service.auth.principal import Role
from stations.store.account_tables import user_sessions, users
from stations.store.audit import audited_update, record_audit

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


@dataclass(frozen=True, slots=True)
class Account:
    """A staff account as shown to administrators (never the password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: int
    updated_at: int
    last_login_at: int | None


def username_key(name: str) -> str:
    """The one normalisation of a typed login name (login, rate limiter, audit, look-ups):
    NFKC, trimmed of any white space, lower-case."""
    return unicodedata.normalize("NFKC", name).strip().lower()


def normalise_username(name: str) -> str:
    """Lower-case, trimmed login name; AccountError when it is not 2–64 of ``a-z0-9._-``."""
    username = username_key(name)
    if not USERNAME_RE.match(username):
        raise AccountError(
            f"Tên đăng nhập không hợp lệ '{name}': 2–64 ký tự a-z, 0-9, '.', '_', '-' / "
            f"invalid username '{name}': 2–64 characters from a-z, 0-9, '.', '_', '-'"
        )
    return username


def _account(row: object) -> Account:
    m = row._mapping  # type: ignore[attr-defined]
    return Account(**{k: m[k] for k in Account.__slots__})  # type: ignore[attr-defined]


def get_account(conn: Connection, username: str) -> Account:
    """The account called ``username``; UnknownAccount otherwise."""
    row = conn.execute(select(users).where(users.c.username == username_key(username))).first()
    if row is None:
        raise UnknownAccount(f"Không có tài khoản '{username}' / no user called '{username}'")
    return _account(row)


def list_accounts(conn: Connection) -> list[Account]:
    """Every account, by username."""
    return [_account(r) for r in conn.execute(select(users).order_by(users.c.username))]


def count_admins(conn: Connection) -> int:
    """How many active administrators exist (the last one cannot be demoted or disabled)."""
    rows = conn.execute(
        select(users.c.id).where(users.c.role == Role.ADMIN.label, users.c.active.is_(True))
    )
    return len(rows.all())


def create_account(
    conn: Connection,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str | None,
    actor: str,
    now: int,
    reason: str | None = None,
) -> Account:
    """Create an active account (password None: it can only use API tokens)."""
    name = normalise_username(username)
    role_label = Role.parse(role).label
    if conn.execute(select(users.c.id).where(users.c.username == name)).first() is not None:
        raise AccountExists(name)
    values = {
        "username": name,
        "display_name": display_name.strip() or name,
        "role": role_label,
        "password_hash": hash_password(password) if password is not None else None,
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    conn.execute(insert(users).values(**values))
    shown = {k: v for k, v in values.items() if k != "password_hash"}
    shown["has_password"] = password is not None
    record_audit(conn, actor, "user.create", f"user:{name}", None, shown, reason, at=now)
    return get_account(conn, name)


def update_account(
    conn: Connection,
    username: str,
    *,
    actor: str,
    now: int,
    role: str | None = None,
    active: bool | None = None,
    display_name: str | None = None,
    reason: str | None = None,
) -> Account:
    """Change role, active flag or display name. Disabling ends the user's sessions."""
    account = get_account(conn, username)
    values: dict[str, object] = {"updated_at": now}
    if role is not None:
        values["role"] = Role.parse(role).label
    if active is not None:
        values["active"] = active
    if display_name is not None and display_name.strip():
        values["display_name"] = display_name.strip()
    loses_admin = account.role == Role.ADMIN.label and (
        values.get("role", account.role) != Role.ADMIN.label or values.get("active") is False
    )
    if loses_admin and account.active and count_admins(conn) <= 1:
        raise AccountError(
            "Không thể bỏ quyền quản trị viên cuối cùng / "
            "cannot demote or disable the last active administrator"
        )
    action = "user.disable" if active is False else "user.update"
    audited_update(
        conn,
        users,
        users.c.id == account.id,
        values,
        actor=actor,
        action=action,
        target=f"user:{account.username}",
        reason=reason,
        at=now,
    )
    if active is False:
        conn.execute(user_sessions.delete().where(user_sessions.c.user_id == account.id))
    return get_account(conn, account.username)


def set_password(
    conn: Connection,
    username: str,
    password: str,
    *,
    actor: str,
    now: int,
    reason: str | None = None,
) -> None:
    """Set a new password and end the user's open sessions (audited; the hash is not logged)."""
    account = get_account(conn, username)
    conn.execute(
        update(users)
        .where(users.c.id == account.id)
        .values(password_hash=hash_password(password), updated_at=now)
    )
    conn.execute(user_sessions.delete().where(user_sessions.c.user_id == account.id))
    record_audit(
        conn, actor, "user.password", f"user:{account.username}", None, None, reason, at=now
    )


def authenticate(conn: Connection, username: str, password: str, now: int) -> Account | None:
    """The active account whose password matches, else None (constant work either way)."""
    try:
        name = normalise_username(username)
    except AccountError:
        verify_password(None, password)
        return None
    row = conn.execute(select(users).where(users.c.username == name)).first()
    stored = row.password_hash if row is not None else None
    if not verify_password(stored, password) or row is None or not row.active:
        return None
    values: dict[str, object] = {"last_login_at": now}
    if needs_rehash(row.password_hash):
        values["password_hash"] = hash_password(password)
    conn.execute(update(users).where(users.c.id == row.id).values(**values))
    return get_account(conn, name)
