"""Public portal: commune subscriptions (issue 18).

Mirrors ``stations/store/subscription_tables.py``.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_subscriptions",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, comment="sha256 of the link"),
        sa.Column("channel", sa.String(16), nullable=False, comment="email | webhook"),
        sa.Column("address", sa.Text, nullable=False, comment="e-mail address or webhook URL"),
        sa.Column("commune", sa.String(128), nullable=False, comment="commune name, folded"),
        sa.Column("topic", sa.String(16), nullable=False, comment="aqi | warning"),
        sa.Column(
            "threshold", sa.Integer, nullable=False, comment="AQI category 1..6 or level 1..5"
        ),
        sa.Column("lang", sa.String(2), nullable=False, comment="vi | en"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column(
            "confirmed_at", sa.BigInteger, nullable=True, comment="NULL until the link is opened"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_public_subscriptions"),
        sa.UniqueConstraint("token_hash", name="uq_public_subscriptions_token_hash"),
    )
    op.create_index("ix_public_subscriptions_commune", "public_subscriptions", ["commune"])


def downgrade() -> None:
    op.drop_index("ix_public_subscriptions_commune", table_name="public_subscriptions")
    op.drop_table("public_subscriptions")
