"""Sessions (browser cookie) and API tokens (scripts): issue, resolve to a principal, revoke.

Both are 256-bit random strings stored only as SHA-256 digests. The session cookie carries
``<token>.<hmac>`` signed with the secret key, so a forged or truncated cookie is refused
before the database is asked. A session ends after ``SESSION_TTL`` or ``SESSION_IDLE`` of
inactivity; disabling the user or changing the password ends all of that user's sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from service.auth.accounts import get_account, username_key
from service.auth.errors import AccountError, UnknownAccount
from service.auth.principal import Principal, Role
from service.auth.secret import digest, same, sign
from stations.store.account_tables import api_tokens, user_sessions, users
from stations.store.audit import record_audit

SESSION_TTL = 12 * 3600  # a working day, then log in again
SESSION_IDLE = 2 * 3600
TOUCH_EVERY = 300  # write last_seen_at at most this often (seconds)
TOKEN_PREFIX = "qt_"


# --- sessions -------------------------------------------------------------------------------


def open_session(conn: Connection, key: bytes, user_id: int, now: int, client: str | None) -> str:
    """Create a session and return the signed cookie value."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        insert(user_sessions).values(
            id=digest(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_TTL,
            last_seen_at=now,
            client=client,
        )
    )
    return f"{token}.{sign(key, 'session', token)}"


def _session_token(key: bytes, cookie: str) -> str | None:
    token, _, signature = cookie.rpartition(".")
    if not token or not same(signature, sign(key, "session", token)):
        return None
    return token


def session_principal(conn: Connection, key: bytes, cookie: str, now: int) -> Principal | None:
    """The principal of a valid, unexpired session cookie of an active user, else None."""
    token = _session_token(key, cookie)
    if token is None:
        return None
    sid = digest(token)
    row = conn.execute(
        select(user_sessions, users.c.username, users.c.role, users.c.active)
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(user_sessions.c.id == sid)
    ).first()
    if row is None or not row.active:
        return None
    if now >= row.expires_at or now - row.last_seen_at > SESSION_IDLE:
        conn.execute(delete(user_sessions).where(user_sessions.c.id == sid))
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        conn.execute(
            update(user_sessions).where(user_sessions.c.id == sid).values(last_seen_at=now)
        )
    return Principal(
        username=row.username,
        role=Role.parse(row.role),
        via="session",
        user_id=row.user_id,
        session_id=sid,
        csrf=sign(key, "csrf", sid),
    )


def close_session(conn: Connection, key: bytes, cookie: str) -> bool:
    """End the session a cookie names; True when there was one."""
    token = _session_token(key, cookie)
    if token is None:
        return False
    return bool(
        conn.execute(delete(user_sessions).where(user_sessions.c.id == digest(token))).rowcount
    )


# --- API tokens -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """An API token as listed to administrators (the secret itself is shown only once)."""

    id: int
    username: str
    name: str
    prefix: str
    role: str | None
    created_at: int
    expires_at: int | None
    revoked_at: int | None
    last_used_at: int | None


def issue_token(
    conn: Connection,
    *,
    username: str,
    name: str,
    actor: str,
    now: int,
    role: str | None = None,
    expires_at: int | None = None,
) -> tuple[TokenInfo, str]:
    """Create a token for ``username``; returns its listing and the secret (shown once)."""
    account = get_account(conn, username)
    if not name.strip():
        raise AccountError("Cần đặt tên cho mã truy cập / a token needs a name")
    cap = Role.parse(role).label if role else None
    if expires_at is not None and expires_at <= now:
        raise AccountError("Ngày hết hạn đã qua / the expiry is in the past")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    result = conn.execute(
        insert(api_tokens).values(
            user_id=account.id,
            name=name.strip(),
            token_hash=digest(secret),
            prefix=secret[:10],
            role=cap,
            created_at=now,
            expires_at=expires_at,
        )
    )
    token_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    info = get_token(conn, token_id)
    record_audit(
        conn,
        actor,
        "token.create",
        f"token:{token_id}",
        None,
        {
            "user": account.username,
            "name": info.name,
            "prefix": info.prefix,
            "role": cap,
            "expires_at": expires_at,
        },
        at=now,
    )
    return info, secret


def get_token(conn: Connection, token_id: int) -> TokenInfo:
    """One token's listing; UnknownAccount when there is none."""
    row = conn.execute(
        select(api_tokens, users.c.username)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.id == token_id)
    ).first()
    if row is None:
        raise UnknownAccount(f"Không có mã truy cập {token_id} / no token {token_id}")
    m = row._mapping
    return TokenInfo(**{k: m[k] for k in TokenInfo.__slots__})  # type: ignore[attr-defined]


def list_tokens(conn: Connection, username: str | None = None) -> list[TokenInfo]:
    """Every token (or one user's), newest first."""
    query = select(api_tokens.c.id).join(users, users.c.id == api_tokens.c.user_id)
    if username:
        query = query.where(users.c.username == username_key(username))
    ids = conn.scalars(query.order_by(api_tokens.c.id.desc())).all()
    return [get_token(conn, i) for i in ids]


def revoke_token(
    conn: Connection, token_id: int, *, actor: str, now: int, reason: str | None = None
) -> TokenInfo:
    """Revoke a token (idempotent: revoking twice keeps the first time)."""
    info = get_token(conn, token_id)
    if info.revoked_at is None:
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=now))
        record_audit(
            conn,
            actor,
            "token.revoke",
            f"token:{token_id}",
            {"revoked_at": None},
            {"revoked_at": now, "user": info.username, "prefix": info.prefix},
            reason,
            at=now,
        )
    return get_token(conn, token_id)


def token_principal(conn: Connection, secret: str, now: int) -> Principal | None:
    """The principal of a valid bearer token of an active user, else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = conn.execute(
        select(api_tokens, users.c.username, users.c.role.label("user_role"), users.c.active)
        .join(users, users.c.id == api_tokens.c.user_id)
        .where(api_tokens.c.token_hash == digest(secret))
    ).first()
    if row is None or not row.active or row.revoked_at is not None:
        return None
    if row.expires_at is not None and now >= row.expires_at:
        return None
    role = Role.parse(row.user_role)
    if row.role:
        role = min(role, Role.parse(row.role))
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_EVERY:
        conn.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now))
    return Principal(
        username=row.username, role=role, via="token", user_id=row.user_id, token_id=row.id
    )
