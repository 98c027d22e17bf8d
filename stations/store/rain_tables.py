"""Tables of rain gauges and warnings (issue 17): accumulations per interval, place levels.

``rain_intervals`` holds, per gauge and reporting interval, the rain, its rain-QC reason, the
rolling sums (with the count of missing intervals, so a sum with gaps is visibly a lower bound),
the antecedent rain and the tank states of the soil-water index. ``warning_levels`` keeps every
assessment of every commune and hazard zone with the inputs that produced it, so any past
warning can be explained.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, Column, Float, Index, Integer, String, Table, Text

from stations.store.metadata import metadata

rain_intervals = Table(
    "rain_intervals",
    metadata,
    Column("station_id", String(64), primary_key=True),
    Column("at", BigInteger, primary_key=True, comment="interval end, UTC epoch seconds"),
    Column("mm", Float, nullable=True, comment="rain in the interval; NULL = no data"),
    Column("qc", String(32), nullable=True, comment="why mm is NULL: gap | negative | ..."),
    Column("r1h", Float, nullable=False, comment="mm, known values of the window"),
    Column("r3h", Float, nullable=False),
    Column("r6h", Float, nullable=False),
    Column("r24h", Float, nullable=False),
    Column("r72h", Float, nullable=False),
    Column("missing_1h", Integer, nullable=False, comment="intervals without data"),
    Column("missing_24h", Integer, nullable=False),
    Column("missing_72h", Integer, nullable=False),
    Column("prior_1d", Float, nullable=False, comment="mm, 24-48 h before"),
    Column("prior_2d", Float, nullable=False, comment="mm, 24-72 h before"),
    Column("prior_days", Integer, nullable=False, comment="consecutive prior rain days"),
    Column("prior_complete", Boolean, nullable=False),
    Column("swi", Float, nullable=False, comment="soil-water index, mm"),
    Column("s1", Float, nullable=False),
    Column("s2", Float, nullable=False),
    Column("s3", Float, nullable=False),
    Column("swi_complete", Boolean, nullable=False, comment="no gap in the last 72 h"),
)

warning_levels = Table(
    "warning_levels",
    metadata,
    Column("place_type", String(16), primary_key=True, comment="commune | zone"),
    Column("place_id", String(64), primary_key=True),
    Column("at", BigInteger, primary_key=True, comment="UTC epoch seconds"),
    Column("status", String(16), nullable=False, comment="assessed | not_assessed | no_data"),
    Column("level", Integer, nullable=True, comment="computed QĐ 18 level 0..5"),
    Column("issued_level", Integer, nullable=True, comment="level after hysteresis"),
    Column("below_since", BigInteger, nullable=True, comment="computed below issued since"),
    Column("provisional", Boolean, nullable=False, comment="from a provisional threshold"),
    Column("lower_bound", Boolean, nullable=False, comment="24 h rain has gaps"),
    Column("susceptibility", String(16), nullable=True),
    Column("rain24", Float, nullable=True),
    Column("prior_days", Integer, nullable=False),
    Column("prior_1d", Float, nullable=True),
    Column("prior_2d", Float, nullable=True),
    Column("swi", Float, nullable=True),
    Column("gauges", JSON, nullable=False, comment="[[station, km, weight]]"),
    Column("reason", Text, nullable=False),
    Column("citation", Text, nullable=False),
)
Index("ix_warning_levels_at", warning_levels.c.at)

__all__ = ["rain_intervals", "warning_levels"]
