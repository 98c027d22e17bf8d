"""Hardening: revision counter for cache fingerprints (issue 16).

Placeholder in the fixed revision chain of this round, so that work on several issues at once never
creates two Alembic heads; the issue's work fills in upgrade() and downgrade().

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
