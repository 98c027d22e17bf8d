"""Tables for map layers and hazard zones (issue 6): zone_sources, zones, communes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _bbox_columns() -> list[sa.Column]:
    return [
        sa.Column("wkb", sa.LargeBinary, nullable=False, comment="EPSG:4326 geometry, WKB"),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "zone_sources",
        sa.Column("id", sa.String(64), nullable=False, comment="slug; also the raster id in /tiles"),
        sa.Column("hazard", sa.String(16), nullable=False, comment="landslide | flood"),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source_file", sa.Text, nullable=False, comment="name of the imported file"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source_crs", sa.Text, nullable=False, comment="CRS of the file, e.g. EPSG:9215"),
        sa.Column("level_field", sa.Text, nullable=True, comment="vector attribute holding the class"),
        sa.Column("level_map", sa.JSON, nullable=False, comment="source value -> level 1..5 rule"),
        sa.Column("raster_path", sa.Text, nullable=True, comment="class raster, relative to data_dir"),
        sa.Column("simplify_m", sa.Float, nullable=True, comment="vectorisation tolerance, metres"),
        sa.Column("valid_from", sa.BigInteger, nullable=True, comment="UTC epoch seconds"),
        sa.Column("synthetic", sa.Boolean, nullable=False, comment="demo data, not real"),
        sa.Column("imported_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_zone_sources"),
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("source_id", sa.String(64), nullable=False),
        sa.Column("hazard", sa.String(16), nullable=False, comment="landslide | flood"),
        sa.Column("level", sa.Integer, nullable=False, comment="1 very low .. 5 very high"),
        sa.Column("source_value", sa.Text, nullable=True, comment="class value as found in the file"),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("attributes", sa.JSON, nullable=False, comment="other attributes of the source feature"),
        *_bbox_columns(),
        sa.ForeignKeyConstraint(
            ["source_id"], ["zone_sources.id"], name="fk_zones_source_id_zone_sources", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_zones"),
    )
    op.create_index("ix_zones_source_id", "zones", ["source_id"])
    op.create_index("ix_zones_hazard", "zones", ["hazard"])
    op.create_table(
        "communes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(16), nullable=False, comment="province | commune"),
        sa.Column("district_former", sa.Text, nullable=True, comment="district before 2025-07-01"),
        sa.Column("source", sa.Text, nullable=False, comment="where the boundary comes from"),
        sa.Column("synthetic", sa.Boolean, nullable=False, comment="demo data, not real"),
        *_bbox_columns(),
        sa.Column("imported_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communes"),
    )
    if bind.dialect.name == "postgresql":
        # Generated from the WKB by the database, so it can never disagree with what we wrote.
        for table in ("zones", "communes"):
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN geom geometry(Geometry, 4326) "
                "GENERATED ALWAYS AS (ST_GeomFromWKB(wkb, 4326)) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")


def downgrade() -> None:
    for table in ("communes", "zones", "zone_sources"):
        op.drop_table(table)
