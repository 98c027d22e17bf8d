"""Field-ready ingestion: per-file format notes, resent-file conflicts (issue 14).

``ingested_files.format_notes`` records how a file deviated from the canonical Circular
10/2021 form ("LF; spaces; unit mg/Nm3→mg/Nm³; cp1252"), so the department can ask a facility
to fix its datalogger without losing a reading. ``reading_conflicts`` keeps every resent value
that disagrees with the stored (first) one, with the file it came from.

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


    op.create_table(
        "reading_conflicts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("kept_value", sa.Float, nullable=True, comment="the stored (first) value"),
        sa.Column("kept_file_id", sa.Integer, nullable=True),
        sa.Column(
            "value", sa.Float, nullable=True, comment="the conflicting value received later"
        ),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("status", sa.String(2), nullable=False),
        sa.Column("file_id", sa.Integer, nullable=True),
        sa.Column("recorded_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["ingested_files.id"], name="fk_reading_conflicts_file_id_ingested_files"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reading_conflicts"),
    )
    op.create_index(
        "ix_reading_conflicts_key", "reading_conflicts", ["station_id", "parameter", "observed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_reading_conflicts_key", table_name="reading_conflicts")
    op.drop_table("reading_conflicts")
    with op.batch_alter_table("ingested_files") as batch:
        batch.drop_column("format_notes")
