"""Rain gauges, accumulations and warning levels (issue 17).

Mirrors ``stations/store/rain_tables.py``: ``rain_intervals`` (per gauge and interval: rain,
rolling sums, antecedent rain, soil-water index) and ``warning_levels`` (every assessment of a
commune or hazard zone with its inputs).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rain_intervals",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False, comment="interval end, UTC epoch seconds"),
        sa.Column("mm", sa.Float, nullable=True, comment="rain in the interval; NULL = no data"),
        sa.Column("qc", sa.String(32), nullable=True, comment="why mm is NULL: gap | negative | ..."),
        sa.Column("r1h", sa.Float, nullable=False, comment="mm, known values of the window"),
        sa.Column("r3h", sa.Float, nullable=False),
        sa.Column("r6h", sa.Float, nullable=False),
        sa.Column("r24h", sa.Float, nullable=False),
        sa.Column("r72h", sa.Float, nullable=False),
        sa.Column("missing_1h", sa.Integer, nullable=False, comment="intervals without data"),
        sa.Column("missing_24h", sa.Integer, nullable=False),
        sa.Column("missing_72h", sa.Integer, nullable=False),
        sa.Column("prior_1d", sa.Float, nullable=False, comment="mm, 24-48 h before"),
        sa.Column("prior_2d", sa.Float, nullable=False, comment="mm, 24-72 h before"),
        sa.Column("prior_days", sa.Integer, nullable=False, comment="consecutive prior rain days"),
        sa.Column("prior_complete", sa.Boolean, nullable=False),
        sa.Column("swi", sa.Float, nullable=False, comment="soil-water index, mm"),
        sa.Column("s1", sa.Float, nullable=False),
        sa.Column("s2", sa.Float, nullable=False),
        sa.Column("s3", sa.Float, nullable=False),
        sa.Column("swi_complete", sa.Boolean, nullable=False, comment="no gap in the last 72 h"),
        sa.PrimaryKeyConstraint("station_id", "at", name="pk_rain_intervals"),
    )
    op.create_table(
        "warning_levels",
        sa.Column("place_type", sa.String(16), nullable=False, comment="commune | zone"),
        sa.Column("place_id", sa.String(64), nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("status", sa.String(16), nullable=False, comment="assessed | not_assessed | no_data"),
        sa.Column("level", sa.Integer, nullable=True, comment="computed QĐ 18 level 0..5"),
        sa.Column("issued_level", sa.Integer, nullable=True, comment="level after hysteresis"),
        sa.Column("below_since", sa.BigInteger, nullable=True, comment="computed below issued since"),
        sa.Column("provisional", sa.Boolean, nullable=False, comment="from a provisional threshold"),
        sa.Column("lower_bound", sa.Boolean, nullable=False, comment="24 h rain has gaps"),
        sa.Column("susceptibility", sa.String(16), nullable=True),
        sa.Column("rain24", sa.Float, nullable=True),
        sa.Column("prior_days", sa.Integer, nullable=False),
        sa.Column("prior_1d", sa.Float, nullable=True),
        sa.Column("prior_2d", sa.Float, nullable=True),
        sa.Column("swi", sa.Float, nullable=True),
        sa.Column("gauges", sa.JSON, nullable=False, comment="[[station, km, weight]]"),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("citation", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("place_type", "place_id", "at", name="pk_warning_levels"),
    )
    op.create_index("ix_warning_levels_at", "warning_levels", ["at"])


def downgrade() -> None:
    op.drop_index("ix_warning_levels_at", table_name="warning_levels")
    op.drop_table("warning_levels")
    op.drop_table("rain_intervals")
