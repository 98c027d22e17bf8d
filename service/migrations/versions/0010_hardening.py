"""Hardening: revision counter for cache fingerprints (issue 16).

Mirrors ``stations/store/revisions.py``: one row per kind of configuration (registry, permits,
limits), bumped in the same transaction as each change and read by every cache fingerprint.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "revisions",
        sa.Column("name", sa.String(64), nullable=False, comment="registry | permits | limits"),
        sa.Column("value", sa.BigInteger, nullable=False, comment="bumped by every change"),
        sa.PrimaryKeyConstraint("name", name="pk_revisions"),
    )
    op.bulk_insert(table, [{"name": n, "value": 1} for n in ("registry", "permits", "limits")])


def downgrade() -> None:
    op.drop_table("revisions")
