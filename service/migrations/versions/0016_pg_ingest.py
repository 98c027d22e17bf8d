"""PostgreSQL ingest close to its COPY ceiling (issue 20).

Placeholder: no schema change yet; the work that needs one fills in upgrade/downgrade.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
