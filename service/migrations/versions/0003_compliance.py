"""Tables for compliance engine (issue 4): episodes, events, VN_AQI, O2-normalised means.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exceedance_episodes",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("averaging", sa.String(8), nullable=False, comment="1h | 8h | 24h"),
        sa.Column("kind", sa.String(16), nullable=False, comment="exceedance | near_limit"),
        sa.Column("regulation", sa.String(64), nullable=True),
        sa.Column(
            "rule", sa.String(16), nullable=False, comment="permit | regulation | transition"
        ),
        sa.Column("limit_value", sa.Float, nullable=True, comment="Cmax after coefficients"),
        sa.Column("limit_low", sa.Float, nullable=True),
        sa.Column("limit_high", sa.Float, nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("state", sa.String(8), nullable=False, comment="open | closed"),
        sa.Column("opened_at", sa.BigInteger, nullable=False, comment="start of the first period"),
        sa.Column("closed_at", sa.BigInteger, nullable=True, comment="end of the closing period"),
        sa.Column(
            "last_period_end", sa.BigInteger, nullable=False, comment="end of the last bad period"
        ),
        sa.Column("peak_value", sa.Float, nullable=False),
        sa.Column("peak_ratio", sa.Float, nullable=False, comment="measured ÷ limit"),
        sa.Column("last_value", sa.Float, nullable=False),
        sa.Column("last_ratio", sa.Float, nullable=False),
        sa.Column("band", sa.Integer, nullable=True, comment="Decree 45/2022 band index 0..5"),
        sa.Column("low_confidence", sa.Boolean, nullable=False),
        sa.Column("citation", sa.Text, nullable=False),
        sa.Column("voided_at", sa.BigInteger, nullable=True, comment="withdrawn by a recompute"),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["sites.id"],
            name="fk_exceedance_episodes_station_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_exceedance_episodes"),
        sa.UniqueConstraint(
            "station_id",
            "parameter",
            "averaging",
            "kind",
            "opened_at",
            name="uq_exceedance_episodes_station_id",
        ),
    )
    op.create_index("ix_exceedance_episodes_state", "exceedance_episodes", ["state"])
    op.create_index(
        "ix_exceedance_episodes_station_id", "exceedance_episodes", ["station_id", "closed_at"]
    )
    op.create_table(
        "compliance_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("episode_id", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column(
            "event",
            sa.String(24),
            nullable=False,
            comment="opened | escalated | closed | near_limit_opened | near_limit_closed",
        ),
        sa.Column("at", sa.BigInteger, nullable=False, comment="end of the period"),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("limit_value", sa.Float, nullable=True),
        sa.Column("ratio", sa.Float, nullable=True),
        sa.Column("band", sa.Integer, nullable=True),
        sa.Column("averaging", sa.String(8), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["exceedance_episodes.id"],
            name="fk_compliance_events_episode_id_exceedance_episodes",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_compliance_events"),
    )
    op.create_index("ix_compliance_events_episode_id", "compliance_events", ["episode_id"])
    for name, key, extra in (
        ("aqi_hourly", "hour_start", []),
        (
            "aqi_daily",
            "day_start",
            [sa.Column("day", sa.String(10), nullable=False, comment="local date YYYY-MM-DD")],
        ),
    ):
        key_comment = "local midnight (UTC+7)" if name == "aqi_daily" else None
        op.create_table(
            name,
            sa.Column("station_id", sa.String(64), nullable=False),
            sa.Column(key, sa.BigInteger, nullable=False, comment=key_comment),
            *extra,
            sa.Column("aqi", sa.Integer, nullable=False),
            sa.Column(
                "category",
                sa.Integer,
                nullable=False,
                comment="1 Tốt .. 6 Nguy hại" if name == "aqi_hourly" else None,
            ),
            sa.Column("label_vi", sa.String(32), nullable=False),
            sa.Column(
                "colour",
                sa.String(7),
                nullable=False,
                comment="#rrggbb" if name == "aqi_hourly" else None,
            ),
            sa.Column("dominant", sa.String(32), nullable=False),
            sa.Column(
                "sub_indices",
                sa.JSON,
                nullable=False,
                comment="{parameter: AQIx}" if name == "aqi_hourly" else None,
            ),
            sa.Column(
                "concentrations",
                sa.JSON,
                nullable=False,
                comment="{parameter: value used, µg/m³}" if name == "aqi_hourly" else None,
            ),
            sa.Column("updated_at", sa.BigInteger, nullable=False),
            sa.ForeignKeyConstraint(
                ["station_id"], ["sites.id"], name=f"fk_{name}_station_id_sites", ondelete="CASCADE"
            ),
            sa.PrimaryKeyConstraint("station_id", key, name=f"pk_{name}"),
        )
    op.create_table(
        "normalised_hourly_means",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("hour_start", sa.BigInteger, nullable=False),
        sa.Column("mean", sa.Float, nullable=True),
        sa.Column("n_valid", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("o2_ref", sa.Float, nullable=False),
        sa.Column("o2_constant", sa.Float, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["sites.id"],
            name="fk_normalised_hourly_means_station_id_sites",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "station_id", "parameter", "hour_start", name="pk_normalised_hourly_means"
        ),
    )


def downgrade() -> None:
    op.drop_table("normalised_hourly_means")
    op.drop_table("aqi_daily")
    op.drop_table("aqi_hourly")
    op.drop_index("ix_compliance_events_episode_id", table_name="compliance_events")
    op.drop_table("compliance_events")
    op.drop_index("ix_exceedance_episodes_station_id", table_name="exceedance_episodes")
    op.drop_index("ix_exceedance_episodes_state", table_name="exceedance_episodes")
    op.drop_table("exceedance_episodes")
