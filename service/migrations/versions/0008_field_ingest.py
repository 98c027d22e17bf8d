"""Field-ready ingestion: per-file format notes, resent-file conflicts (issue 14).

``ingested_files.format_notes`` records how a file deviated from the canonical Circular
10/2021 form ("LF; spaces; unit mg/Nm3→mg/Nm³; cp1252"), so the department can ask a facility
to fix its datalogger without losing a reading.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingested_files") as batch:
        batch.add_column(
            sa.Column(
                "format_notes",
                sa.Text,
                nullable=True,
                comment="how the file deviated from the canonical form, e.g. 'LF; spaces; cp1252'",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("ingested_files") as batch:
        batch.drop_column("format_notes")
