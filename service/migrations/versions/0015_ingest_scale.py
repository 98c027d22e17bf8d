"""SQLite ingest whose cost per reading stays flat as the tables grow (issues 14 and 20).

Placeholder: no schema change yet; the work that needs one fills in upgrade/downgrade.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
