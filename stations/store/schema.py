"""Foundation tables: sites, parameters, permits, ingested files, readings and derived tables.

Other areas (compliance, alerts, layers, programme, accounts) keep their tables in their own
modules on the same :data:`stations.store.metadata.metadata`; :mod:`stations.store.tables`
imports them all so Alembic and the tests see one complete schema.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from stations.store.metadata import metadata

# Automatic stations and periodic monitoring points share one table: both are places with
# coordinates that layers, exports and compliance refer to by id.
sites = Table(
    "sites",
    metadata,
    Column("id", String(64), primary_key=True, comment="station code; starts its data file names"),
    Column("name", Text, nullable=False),
    Column("site_type", String(16), nullable=False, comment="station | point"),
    Column("kind", String(16), nullable=False, comment="air | wastewater | fluegas | point"),
    Column(
        "medium",
        String(24),
        nullable=False,
        comment="ambient_air | wastewater | flue_gas | surface_water | groundwater | noise | soil",
    ),
    Column("lon", Float, nullable=False, comment="WGS 84 longitude, degrees"),
    Column("lat", Float, nullable=False, comment="WGS 84 latitude, degrees"),
    Column("commune", Text, nullable=True, comment="commune/ward (post-2025 two-level government)"),
    Column("district_former", Text, nullable=True, comment="district before 2025-07-01"),
    Column("facility", Text, nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("synthetic", Boolean, nullable=False, default=False, comment="demo data, not real"),
    Column("config", JSON, nullable=False, default=dict, comment="permit, polling, extra fields"),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_sites_kind", sites.c.kind)

# Parameter catalogue: canonical codes, display names, canonical unit, physical range for QC.
parameters = Table(
    "parameters",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name_vi", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("unit", String(32), nullable=False, comment="default unit"),
    Column("units_by_kind", JSON, nullable=False, default=dict, comment="{kind: unit} overrides"),
    Column("min_valid", Float, nullable=True),
    Column("max_valid", Float, nullable=True),
    Column("media", Text, nullable=False, comment="space-separated media it is measured in"),
)

# Which parameters a station measures, in which unit (QC flags a file that reports another unit).
site_parameters = Table(
    "site_parameters",
    metadata,
    Column("site_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("unit", String(32), nullable=False),
)

# A facility station's permit: regulation + column + coefficients, or explicit limits (which win).
permits = Table(
    "permits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_id", String(64), ForeignKey("sites.id", ondelete="CASCADE"), nullable=False),
    Column("regulation", String(64), nullable=True, comment="e.g. QCVN 40:2011/BTNMT"),
    Column("column_class", String(8), nullable=True, comment="A | B | ..."),
    Column("coefficients", JSON, nullable=False, default=dict, comment="Kq, Kf, Kp, Kv, K"),
    Column("limits", JSON, nullable=False, default=dict, comment="explicit per-parameter limits"),
    Column("o2_ref", Float, nullable=True, comment="reference O2, % vol"),
    Column("basis", String(8), nullable=False, default="1h", comment="comparison basis 1h | 24h"),
    # What decides a facility's regulation under a transition rule (migration 0009, issue 15).
    Column("operating_since", Date, nullable=True, comment="facility operating since"),
    Column("eia_approved_on", Date, nullable=True, comment="ĐTM (EIA) approval date"),
    Column("permit_date", Date, nullable=True, comment="environmental permit date"),
    Column("valid_from", BigInteger, nullable=True),
    Column("valid_to", BigInteger, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)
Index("ix_permits_site_id", permits.c.site_id)

# Every file we received, good or bad, by content hash: the same bytes twice is a no-op.
ingested_files = Table(
    "ingested_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("origin", Text, nullable=False, comment="source id or path it came from"),
    Column("station_id", String(64), nullable=True),
    Column("received_at", BigInteger, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("outcome", String(16), nullable=False, comment="ok | partial | quarantined"),
    Column("reason", Text, nullable=True),
    Column("readings", Integer, nullable=False, default=0),
    Column("line_errors", JSON, nullable=False, default=list),
    Column("archive_path", Text, nullable=True),
    Column(
        "format_notes",
        Text,
        nullable=True,
        comment="how the file deviated from the canonical form, e.g. 'LF; spaces; cp1252'",
    ),
)
# The hash of name and bytes is unique; keyed by name first so a batch's new files land at each
# station's end of the index (a hash-only index took a random page per file: migration 0015).
Index("ix_ingested_files_name_sha256", ingested_files.c.name, ingested_files.c.sha256, unique=True)

# Readings are keyed by (station, parameter, observed_at): re-ingesting changes nothing.
readings = Table(
    "readings",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("observed_at", BigInteger, primary_key=True, comment="UTC epoch seconds"),
    Column("value", Float, nullable=True),
    Column("unit", String(32), nullable=False),
    Column("status", String(2), nullable=False, comment="00 measuring, 01 calibrating, 02 error"),
    Column("qc_flags", Integer, nullable=False, default=0, comment="bit set, see stations.qc"),
    Column("file_id", Integer, ForeignKey("ingested_files.id"), nullable=True),
    sqlite_with_rowid=False,  # stored in key order on SQLite: migration 0016
)

latest_values = Table(
    "latest_values",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("observed_at", BigInteger, nullable=False),
    Column("value", Float, nullable=True),
    Column("unit", String(32), nullable=False),
    Column("status", String(2), nullable=False),
    Column("qc_flags", Integer, nullable=False, default=0),
)

# Hourly means over QC-passed readings with status 00; n_valid/n_total give completeness.
hourly_means = Table(
    "hourly_means",
    metadata,
    Column("station_id", String(64), ForeignKey("sites.id"), primary_key=True),
    Column("parameter", String(32), primary_key=True),
    Column("hour_start", BigInteger, primary_key=True, comment="UTC epoch seconds"),
    Column("mean", Float, nullable=True),
    Column("min", Float, nullable=True),
    Column("max", Float, nullable=True),
    Column("n_valid", Integer, nullable=False),
    Column("n_total", Integer, nullable=False),
    Column("unit", String(32), nullable=False),
    sqlite_with_rowid=False,  # stored in key order on SQLite: migration 0016
)

# Raw-file archive index lives on disk (data_dir/archive/<sha[:2]>/<sha>); quarantined files keep
# their bytes there too. This table is kept small on purpose.
__all__ = [
    "hourly_means",
    "ingested_files",
    "latest_values",
    "parameters",
    "permits",
    "readings",
    "site_parameters",
    "sites",
]
