"""Tables for periodic monitoring programme (issue 8): rounds, result imports, lab results.

Mirrors stations/store/programme_tables.py exactly.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_rounds",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("number", sa.Integer, nullable=False, comment="round number within the year"),
        sa.Column("starts_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds, inclusive"),
        sa.Column("ends_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds, exclusive"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programme_rounds"),
        sa.UniqueConstraint("year", "number", name="uq_programme_rounds_year"),
    )
    op.create_table(
        "programme_imports",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_programme_imports"),
        sa.UniqueConstraint("sha256", name="uq_programme_imports_sha256"),
    )
    op.create_table(
        "lab_results",
        sa.Column("round_id", sa.Integer, nullable=False),
        sa.Column("point_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("sampled_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("averaging", sa.String(8), nullable=False, comment="1h | 8h | 24h (air) | sample"),
        sa.Column("value", sa.Float, nullable=False, comment="canonical unit; detection limit if '<'"),
        sa.Column("unit", sa.String(32), nullable=False, comment="canonical unit (lab_parameters.csv)"),
        sa.Column("qualifier", sa.String(1), nullable=False, comment="'' | '<' | '>'"),
        sa.Column("value_reported", sa.Float, nullable=False, comment="as the laboratory wrote it"),
        sa.Column("unit_reported", sa.String(32), nullable=False),
        sa.Column("laboratory", sa.Text, nullable=True),
        sa.Column("method", sa.Text, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("synthetic", sa.Boolean, nullable=False, comment="demo data, not real"),
        sa.Column("import_id", sa.Integer, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["programme_rounds.id"], name="fk_lab_results_round_id_programme_rounds"
        ),
        sa.ForeignKeyConstraint(["point_id"], ["sites.id"], name="fk_lab_results_point_id_sites"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["programme_imports.id"],
            name="fk_lab_results_import_id_programme_imports",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "point_id", "parameter", "sampled_at", "averaging", name="pk_lab_results"
        ),
    )
    op.create_index("ix_lab_results_point_id", "lab_results", ["point_id"])


def downgrade() -> None:
    op.drop_index("ix_lab_results_point_id", table_name="lab_results")
    op.drop_table("lab_results")
    op.drop_table("programme_imports")
    op.drop_table("programme_rounds")
