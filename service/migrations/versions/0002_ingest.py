"""Tables for ingestion (issue 3): none needed.

Ingestion writes only foundation tables (ingested_files, readings, latest_values,
hourly_means); source state is durable through ingested_files hashes and the sources
themselves (files leave a source only after commit), so there is no cursor table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
