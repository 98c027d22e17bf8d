"""Tables of the periodic monitoring programme: rounds, imported result files, lab results.

Comparisons, VN_WQI and statuses are *not* stored: they are computed from the results and the
limit files when read, so a limit entered or corrected later (noise, soil) applies to past
rounds at once, and a result never disagrees with a stale verdict.
"""

from __future__ import annotations

from sqlalchemy import (
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

# A monitoring round (đợt): year + number; its window is [starts_at, ends_at), UTC epoch seconds.
programme_rounds = Table(
    "programme_rounds",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False, comment="round number within the year"),
    Column("starts_at", BigInteger, nullable=False, comment="UTC epoch seconds, inclusive"),
    Column("ends_at", BigInteger, nullable=False, comment="UTC epoch seconds, exclusive"),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("year", "number"),
)

# Every results file that changed something, by content hash (provenance of each result).
programme_imports = Table(
    "programme_imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("inserted", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("imported_at", BigInteger, nullable=False),
)

# One laboratory result. Keyed so that re-importing a file changes nothing.
lab_results = Table(
    "lab_results",
    metadata,
    Column("round_id", Integer, ForeignKey("programme_rounds.id"), primary_key=True),
    Column("point_id", String(64), ForeignKey("sites.id"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("sampled_at", BigInteger, primary_key=True, comment="UTC epoch seconds"),
    Column("averaging", String(8), primary_key=True, comment="1h | 8h | 24h (air) | sample"),
    Column("value", Float, nullable=False, comment="canonical unit; detection limit if '<'"),
    Column("unit", String(32), nullable=False, comment="canonical unit (lab_parameters.csv)"),
    Column("qualifier", String(1), nullable=False, comment="'' | '<' | '>'"),
    Column("value_reported", Float, nullable=False, comment="as the laboratory wrote it"),
    Column("unit_reported", String(32), nullable=False),
    Column("laboratory", Text, nullable=True),
    Column("method", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("synthetic", Boolean, nullable=False, comment="demo data, not real"),
    Column("import_id", Integer, ForeignKey("programme_imports.id"), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_lab_results_point_id", lab_results.c.point_id)

__all__ = ["lab_results", "programme_imports", "programme_rounds"]
