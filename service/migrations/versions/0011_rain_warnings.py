"""Rain gauges, accumulations and warning levels (issue 17).

Placeholder in the fixed revision chain of this round, so that work on several issues at once never
creates two Alembic heads; the issue's work fills in upgrade() and downgrade().

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
