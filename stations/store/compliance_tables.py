"""Compliance tables: exceedance episodes, the append-only event log, VN_AQI, normalised means.

Times are UTC epoch seconds. ``compliance_events`` is consumed by the alert engine in ``id``
order: rows are only ever appended, never updated or deleted.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from stations.store.metadata import metadata

# One run of non-compliant (kind=exceedance) or near-limit (kind=near_limit) periods of one
# (station, parameter, averaging). Recompute matches rows on the unique key and updates them in
# place; a row that a recompute no longer derives is voided (voided_at), never deleted.
exceedance_episodes = Table(
    "exceedance_episodes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("parameter", String(32), nullable=False),
    Column("averaging", String(8), nullable=False, comment="1h | 8h | 24h"),
    Column("kind", String(16), nullable=False, comment="exceedance | near_limit"),
    Column("regulation", String(64), nullable=True),
    Column("rule", String(16), nullable=False, comment="permit | regulation | transition"),
    Column("limit_value", Float, nullable=True, comment="Cmax after coefficients"),
    Column("limit_low", Float, nullable=True),
    Column("limit_high", Float, nullable=True),
    Column("unit", String(32), nullable=False),
    Column("state", String(8), nullable=False, comment="open | closed"),
    Column("opened_at", BigInteger, nullable=False, comment="start of the first period"),
    Column("closed_at", BigInteger, nullable=True, comment="end of the closing period"),
    Column("last_period_end", BigInteger, nullable=False, comment="end of the last bad period"),
    Column("peak_value", Float, nullable=False),
    Column("peak_ratio", Float, nullable=False, comment="measured ÷ limit"),
    Column("last_value", Float, nullable=False),
    Column("last_ratio", Float, nullable=False),
    Column("band", Integer, nullable=True, comment="Decree 45/2022 band index 0..5"),
    Column("low_confidence", Boolean, nullable=False),
    Column("citation", Text, nullable=False),
    Column("voided_at", BigInteger, nullable=True, comment="withdrawn by a recompute"),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("station_id", "parameter", "averaging", "kind", "opened_at"),
)
Index("ix_exceedance_episodes_state", exceedance_episodes.c.state)
# The engine reads "episodes of a station still open at t" on every evaluation.
Index(
    "ix_exceedance_episodes_station_id",
    exceedance_episodes.c.station_id,
    exceedance_episodes.c.closed_at,
)

compliance_events = Table(
    "compliance_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("episode_id", Integer, ForeignKey("exceedance_episodes.id"), nullable=False),
    Column("station_id", String(64), nullable=False),
    Column("parameter", String(32), nullable=False),
    Column(
        "event",
        String(24),
        nullable=False,
        comment="opened | escalated | closed | near_limit_opened | near_limit_closed",
    ),
    Column("at", BigInteger, nullable=False, comment="end of the period"),
    Column("value", Float, nullable=True),
    Column("unit", String(32), nullable=False),
    Column("limit_value", Float, nullable=True),
    Column("ratio", Float, nullable=True),
    Column("band", Integer, nullable=True),
    Column("averaging", String(8), nullable=False),
    Column("created_at", BigInteger, nullable=False),
)
Index("ix_compliance_events_episode_id", compliance_events.c.episode_id)

# VN_AQI (QĐ 1459/QĐ-TCMT): one row per station and hour / local day.
aqi_hourly = Table(
    "aqi_hourly",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("hour_start", BigInteger, primary_key=True),
    Column("aqi", Integer, nullable=False),
    Column("category", Integer, nullable=False, comment="1 Tốt .. 6 Nguy hại"),
    Column("label_vi", String(32), nullable=False),
    Column("colour", String(7), nullable=False, comment="#rrggbb"),
    Column("dominant", String(32), nullable=False),
    Column("sub_indices", JSON, nullable=False, comment="{parameter: AQIx}"),
    Column("concentrations", JSON, nullable=False, comment="{parameter: value used, µg/m³}"),
    Column("updated_at", BigInteger, nullable=False),
)

aqi_daily = Table(
    "aqi_daily",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("day_start", BigInteger, primary_key=True, comment="local midnight (UTC+7)"),
    Column("day", String(10), nullable=False, comment="local date YYYY-MM-DD"),
    Column("aqi", Integer, nullable=False),
    Column("category", Integer, nullable=False),
    Column("label_vi", String(32), nullable=False),
    Column("colour", String(7), nullable=False),
    Column("dominant", String(32), nullable=False),
    Column("sub_indices", JSON, nullable=False),
    Column("concentrations", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Flue gas: each reading normalised to the permit's reference O2 with the O2 of the same
# timestamp, then averaged per hour (QC-passed, status 00 readings only).
normalised_hourly_means = Table(
    "normalised_hourly_means",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("hour_start", BigInteger, primary_key=True),
    Column("mean", Float, nullable=True),
    Column("n_valid", Integer, nullable=False),
    Column("unit", String(32), nullable=False),
    Column("o2_ref", Float, nullable=False),
    Column("o2_constant", Float, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    sqlite_with_rowid=False,  # stored in key order on SQLite: migration 0016
)

__all__ = [
    "aqi_daily",
    "aqi_hourly",
    "compliance_events",
    "exceedance_episodes",
    "normalised_hourly_means",
]
