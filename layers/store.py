"""Tables of the layers area: hazard-zone sources, their zones, and commune polygons.

Geometry is stored portably as WKB (EPSG:4326, lon/lat) with its bounding box in four float
columns, so SQLite and PostgreSQL share one schema and bbox filters need no spatial extension.
On PostgreSQL the migration adds a generated PostGIS ``geom`` column with a GiST index.
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
    LargeBinary,
    String,
    Table,
    Text,
)

from stations.store.metadata import metadata

# One row per imported file (vector or raster). Re-importing under the same id replaces it.
zone_sources = Table(
    "zone_sources",
    metadata,
    Column("id", String(64), primary_key=True, comment="slug; also the raster id in /tiles"),
    Column("hazard", String(16), nullable=False, comment="landslide | flood"),
    Column("title", Text, nullable=False),
    Column("source_file", Text, nullable=False, comment="name of the imported file"),
    Column("sha256", String(64), nullable=False),
    Column("source_crs", Text, nullable=False, comment="CRS of the file, e.g. EPSG:9215"),
    Column("level_field", Text, nullable=True, comment="vector attribute holding the class"),
    Column("level_map", JSON, nullable=False, comment="source value -> level 1..5 rule"),
    Column("raster_path", Text, nullable=True, comment="class raster, relative to data_dir"),
    Column("simplify_m", Float, nullable=True, comment="vectorisation tolerance, metres"),
    Column("valid_from", BigInteger, nullable=True, comment="UTC epoch seconds"),
    Column("synthetic", Boolean, nullable=False, comment="demo data, not real"),
    Column("imported_at", BigInteger, nullable=False),
)

# Zones: polygons with a five-class level (1 very low .. 5 very high).
zones = Table(
    "zones",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "source_id",
        String(64),
        ForeignKey("zone_sources.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("hazard", String(16), nullable=False, comment="landslide | flood"),
    Column("level", Integer, nullable=False, comment="1 very low .. 5 very high"),
    Column("source_value", Text, nullable=True, comment="class value as found in the file"),
    Column("name", Text, nullable=True),
    Column("attributes", JSON, nullable=False, comment="other attributes of the source feature"),
    Column("wkb", LargeBinary, nullable=False, comment="EPSG:4326 geometry, WKB"),
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
)
Index("ix_zones_source_id", zones.c.source_id)
Index("ix_zones_hazard", zones.c.hazard)

# Administrative areas: the province outline, and commune polygons when the department has them.
communes = Table(
    "communes",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(16), nullable=False, comment="province | commune"),
    Column("district_former", Text, nullable=True, comment="district before 2025-07-01"),
    Column("source", Text, nullable=False, comment="where the boundary comes from"),
    Column("synthetic", Boolean, nullable=False, comment="demo data, not real"),
    Column("wkb", LargeBinary, nullable=False, comment="EPSG:4326 geometry, WKB"),
    Column("minx", Float, nullable=False),
    Column("miny", Float, nullable=False),
    Column("maxx", Float, nullable=False),
    Column("maxy", Float, nullable=False),
    Column("imported_at", BigInteger, nullable=False),
)

__all__ = ["communes", "zone_sources", "zones"]
