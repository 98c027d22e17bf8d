"""Tables of the trust area: staff accounts, sessions, API tokens, the audit trail, corrections.

Times are UTC epoch seconds like every other table. Secrets are never stored: passwords as
argon2 hashes, session and API tokens as SHA-256 digests of high-entropy random strings (a
digest is enough for a 256-bit random token and lets a request be checked with one indexed
lookup). The audit trail and the reading corrections are append-only; the migration adds
triggers that refuse UPDATE and DELETE on both backends.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from stations.store.metadata import metadata

ROLES = ("viewer", "operator", "admin")

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True, comment="login name, lower case"),
    Column("display_name", Text, nullable=False),
    Column("role", String(16), nullable=False, comment="viewer | operator | admin"),
    Column("password_hash", Text, nullable=True, comment="argon2id; NULL = cannot log in"),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("last_login_at", BigInteger, nullable=True),
)

# Server-side sessions: logging out or disabling the account ends them at once.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", String(64), primary_key=True, comment="SHA-256 of the session token"),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("client", Text, nullable=True, comment="client address at login"),
)
Index("ix_user_sessions_user_id", user_sessions.c.user_id)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", Text, nullable=False, comment="what the token is for (script, host)"),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SHA-256 of the token"),
    Column("prefix", String(16), nullable=False, comment="first characters, to recognise it"),
    Column("role", String(16), nullable=True, comment="caps the owner's role; NULL = owner's"),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Column("last_used_at", BigInteger, nullable=True),
)
Index("ix_api_tokens_user_id", api_tokens.c.user_id)

# Who did what, when, to what, with the state before and after and the reason given.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False, comment="UTC epoch seconds"),
    Column("actor", String(64), nullable=False, comment="username, cli:<user>, system"),
    Column("action", String(64), nullable=False, comment="e.g. user.create, alert.ack"),
    Column("target", Text, nullable=False, comment="e.g. user:lan, site:LS_KK01"),
    Column("before", JSON, nullable=True),
    Column("after", JSON, nullable=True),
    Column("reason", Text, nullable=True),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_target", audit_log.c.target)

# A correction is a new version of one reading; the original row in ``readings`` never changes.
reading_corrections = Table(
    "reading_corrections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), ForeignKey("sites.id"), nullable=False),
    Column("parameter", String(32), nullable=False),
    Column("observed_at", BigInteger, nullable=False, comment="UTC epoch seconds"),
    Column("version", Integer, nullable=False, comment="1 = first correction"),
    Column("value", Float, nullable=True, comment="corrected value; NULL = invalidated"),
    Column("status", String(2), nullable=True, comment="corrected device status, if changed"),
    Column("original_value", Float, nullable=True, comment="the stored reading's value"),
    Column("reason", Text, nullable=False),
    Column("corrected_by", String(64), nullable=False),
    Column("corrected_at", BigInteger, nullable=False),
    UniqueConstraint(
        "station_id",
        "parameter",
        "observed_at",
        "version",
        name="uq_reading_corrections_station_id",
    ),
)

__all__ = ["ROLES", "api_tokens", "audit_log", "reading_corrections", "user_sessions", "users"]
