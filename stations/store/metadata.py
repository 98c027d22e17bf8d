"""The one SQLAlchemy ``MetaData`` all quantrac tables hang on.

Times are stored as integer seconds since the Unix epoch in UTC (columns named ``*_at`` or
``*_start``). The same representation on SQLite and PostgreSQL keeps queries identical on both
backends and keeps bulk ingestion fast; conversion to aware datetimes happens at the edges
(``stations.timeutil``). PostGIS geometry columns are *generated* from lon/lat or WKB columns by
the migrations, so application code never writes them and both backends share one schema.
"""

from __future__ import annotations

from sqlalchemy import MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
