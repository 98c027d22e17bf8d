"""Field-ready ingestion: per-file format notes, resent-file conflicts (issue 14).

Placeholder in the fixed revision chain of this round, so that work on several issues at once never
creates two Alembic heads; the issue's work fills in upgrade() and downgrade().

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
