"""Tables for accounts, sessions, API tokens, the audit trail and reading corrections (issue 9).

Mirrors ``stations/store/account_tables.py``. The audit trail and the corrections are
append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on both backends.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_log", "reading_corrections")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(64), nullable=False, comment="login name, lower case"),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False, comment="viewer | operator | admin"),
        sa.Column("password_hash", sa.Text, nullable=True, comment="argon2id; NULL = cannot log in"),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("last_login_at", sa.BigInteger, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.String(64), nullable=False, comment="SHA-256 of the session token"),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.Column("last_seen_at", sa.BigInteger, nullable=False),
        sa.Column("client", sa.Text, nullable=True, comment="client address at login"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_user_sessions_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False, comment="what the token is for (script, host)"),
        sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the token"),
        sa.Column("prefix", sa.String(16), nullable=False, comment="first characters, to recognise it"),
        sa.Column("role", sa.String(16), nullable=True, comment="caps the owner's role; NULL = owner's"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=True),
        sa.Column("revoked_at", sa.BigInteger, nullable=True),
        sa.Column("last_used_at", sa.BigInteger, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_api_tokens_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("actor", sa.String(64), nullable=False, comment="username, cli:<user>, system"),
        sa.Column("action", sa.String(64), nullable=False, comment="e.g. user.create, alert.ack"),
        sa.Column("target", sa.Text, nullable=False, comment="e.g. user:lan, site:LS_KK01"),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_target", "audit_log", ["target"])
    op.create_table(
        "reading_corrections",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("version", sa.Integer, nullable=False, comment="1 = first correction"),
        sa.Column("value", sa.Float, nullable=True, comment="corrected value; NULL = invalidated"),
        sa.Column("status", sa.String(2), nullable=True, comment="corrected device status, if changed"),
        sa.Column("original_value", sa.Float, nullable=True, comment="the stored reading's value"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("corrected_by", sa.String(64), nullable=False),
        sa.Column("corrected_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["sites.id"], name="fk_reading_corrections_station_id_sites"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reading_corrections"),
        sa.UniqueConstraint(
            "station_id",
            "parameter",
            "observed_at",
            "version",
            name="uq_reading_corrections_station_id",
        ),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    # Evidence must not be rewritten through the application's own database account.
    # A superuser can still drop a trigger; docs/security.md says how to give the app a role
    # that cannot.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION quantrac_append_only() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'bảng % chỉ được ghi thêm / % is append-only (% refused)', "
            "TG_TABLE_NAME, TG_TABLE_NAME, TG_OP; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION quantrac_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION quantrac_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    for table in ("reading_corrections", "audit_log", "api_tokens", "user_sessions", "users"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS quantrac_append_only()")
