"""Foundation: sites, parameters, permits, ingested files, readings, latest values, hourly means.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "sites",
        sa.Column("id", sa.String(64), primary_key=True, comment="station code; starts its data file names"),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("site_type", sa.String(16), nullable=False, comment="station | point"),
        sa.Column("kind", sa.String(16), nullable=False, comment="air | wastewater | fluegas | point"),
        sa.Column(
            "medium",
            sa.String(24),
            nullable=False,
            comment="ambient_air | wastewater | flue_gas | surface_water | groundwater | noise | soil",
        ),
        sa.Column("lon", sa.Float, nullable=False, comment="WGS 84 longitude, degrees"),
        sa.Column("lat", sa.Float, nullable=False, comment="WGS 84 latitude, degrees"),
        sa.Column("commune", sa.Text, nullable=True, comment="commune/ward (post-2025 two-level government)"),
        sa.Column("district_former", sa.Text, nullable=True, comment="district before 2025-07-01"),
        sa.Column("facility", sa.Text, nullable=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False, comment="demo data, not real"),
        sa.Column("config", sa.JSON, nullable=False, comment="permit, polling, extra fields"),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
    )
    op.create_index("ix_sites_kind", "sites", ["kind"])
    op.create_table(
        "parameters",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name_vi", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False, comment="default unit"),
        sa.Column("units_by_kind", sa.JSON, nullable=False, comment="{kind: unit} overrides"),
        sa.Column("min_valid", sa.Float, nullable=True),
        sa.Column("max_valid", sa.Float, nullable=True),
        sa.Column("media", sa.Text, nullable=False, comment="space-separated media it is measured in"),
        sa.PrimaryKeyConstraint("code", name="pk_parameters"),
    )
    op.create_table(
        "site_parameters",
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_site_parameters_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("site_id", "parameter", name="pk_site_parameters"),
    )
    op.create_table(
        "permits",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(64), nullable=False),
        sa.Column("regulation", sa.String(64), nullable=True, comment="e.g. QCVN 40:2011/BTNMT"),
        sa.Column("column_class", sa.String(8), nullable=True, comment="A | B | ..."),
        sa.Column("coefficients", sa.JSON, nullable=False, comment="Kq, Kf, Kp, Kv, K"),
        sa.Column("limits", sa.JSON, nullable=False, comment="explicit per-parameter limits"),
        sa.Column("o2_ref", sa.Float, nullable=True, comment="reference O2, % vol"),
        sa.Column("basis", sa.String(8), nullable=False, comment="comparison basis 1h | 24h"),
        sa.Column("valid_from", sa.BigInteger, nullable=True),
        sa.Column("valid_to", sa.BigInteger, nullable=True),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_permits_site_id_sites", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_permits"),
    )
    op.create_index("ix_permits_site_id", "permits", ["site_id"])
    op.create_table(
        "ingested_files",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False, comment="source id or path it came from"),
        sa.Column("station_id", sa.String(64), nullable=True),
        sa.Column("received_at", sa.BigInteger, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False, comment="ok | partial | quarantined"),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("readings", sa.Integer, nullable=False),
        sa.Column("line_errors", sa.JSON, nullable=False),
        sa.Column("archive_path", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_ingested_files"),
        sa.UniqueConstraint("sha256", name="uq_ingested_files_sha256"),
    )
    op.create_table(
        "readings",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("status", sa.String(2), nullable=False, comment="00 measuring, 01 calibrating, 02 error"),
        sa.Column("qc_flags", sa.Integer, nullable=False, comment="bit set, see stations.qc"),
        sa.Column("file_id", sa.Integer, nullable=True),
        sa.ForeignKeyConstraint(["station_id"], ["sites.id"], name="fk_readings_station_id_sites"),
        sa.ForeignKeyConstraint(
            ["file_id"], ["ingested_files.id"], name="fk_readings_file_id_ingested_files"
        ),
        sa.PrimaryKeyConstraint("station_id", "parameter", "observed_at", name="pk_readings"),
    )
    op.create_table(
        "latest_values",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("observed_at", sa.BigInteger, nullable=False),
        sa.Column("value", sa.Float, nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("status", sa.String(2), nullable=False),
        sa.Column("qc_flags", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["sites.id"], name="fk_latest_values_station_id_sites"),
        sa.PrimaryKeyConstraint("station_id", "parameter", name="pk_latest_values"),
    )
    op.create_table(
        "hourly_means",
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False),
        sa.Column("hour_start", sa.BigInteger, nullable=False, comment="UTC epoch seconds"),
        sa.Column("mean", sa.Float, nullable=True),
        sa.Column("min", sa.Float, nullable=True),
        sa.Column("max", sa.Float, nullable=True),
        sa.Column("n_valid", sa.Integer, nullable=False),
        sa.Column("n_total", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["sites.id"], name="fk_hourly_means_station_id_sites"),
        sa.PrimaryKeyConstraint("station_id", "parameter", "hour_start", name="pk_hourly_means"),
    )
    if bind.dialect.name == "postgresql":
        # PostGIS geometry is generated from lon/lat by the database itself, so the application
        # writes one schema on both backends and the geometry can never disagree with lon/lat.
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.execute(
            "ALTER TABLE sites ADD COLUMN geom geometry(Point, 4326) "
            "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"
        )
        op.execute("CREATE INDEX ix_sites_geom ON sites USING gist (geom)")


def downgrade() -> None:
    for table in (
        "hourly_means",
        "latest_values",
        "readings",
        "ingested_files",
        "permits",
        "site_parameters",
        "parameters",
        "sites",
    ):
        op.drop_table(table)
