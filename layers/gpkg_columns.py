"""Field aliases and descriptions of a GeoPackage layer, in the GeoPackage schema extension's
``gpkg_data_columns`` table: GDAL reads its ``name`` as a field's alternative name (QGIS shows it
as the field alias) and its ``description`` as the field comment. The wide point export names
each parameter column there with its unit (``no2`` → ``NO2 (mg/L)``), so a GIS officer sees the
unit without opening the ``units`` column or the ``results`` table.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_EXTENSION = "http://www.geopackage.org/spec/#extension_schema"

# The table as the GeoPackage 1.3 specification defines it (Annex: schema extension).
DATA_COLUMNS_DDL = (
    "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, "
    "column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT, "
    "constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), "
    "CONSTRAINT gdc_tn UNIQUE (table_name, name))"
)
EXTENSIONS_DDL = (
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))"
)


def unit_alias(code: str, units: list[str]) -> str:
    """``NO2 (mg/L)``; several units in one column (one code measured in two media) are all
    named, never one picked: ``NO2 (mg/L | µg/m3)``."""
    shown = [u for u in dict.fromkeys(units) if u and u != "None"]
    return f"{code} ({' | '.join(shown)})" if shown else code


def describe_columns(gpkg: Path, table: str, columns: dict[str, tuple[str | None, str]]) -> None:
    """Write ``{column: (alias or None, description)}`` for ``table`` into ``gpkg``."""
    rows = [(table, col, alias, alias, text or None) for col, (alias, text) in columns.items()]
    rows = [r for r in rows if r[2] or r[4]]
    if not rows:
        return
    with sqlite3.connect(gpkg) as db:
        db.execute(DATA_COLUMNS_DDL)
        db.execute(EXTENSIONS_DDL)
        db.execute(
            "INSERT OR IGNORE INTO gpkg_extensions VALUES "
            "('gpkg_data_columns', NULL, 'gpkg_schema', ?, 'read-write')",
            (SCHEMA_EXTENSION,),
        )
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns "
            "(table_name, column_name, name, title, description) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    db.close()
