"""Public portal: commune subscriptions (issue 18).

Placeholder in the fixed revision chain of this round, so that work on several issues at once never
creates two Alembic heads; the issue's work fills in upgrade() and downgrade().

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
