"""Forwarding to the national system: per-destination outbox (issue 19).

Placeholder in the fixed revision chain of this round, so that work on several issues at once never
creates two Alembic heads; the issue's work fills in upgrade() and downgrade().

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
