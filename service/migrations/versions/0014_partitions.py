"""PostgreSQL: readings and hourly means range-partitioned by UTC month (issue 20).

The table modules are unchanged (same columns, keys and foreign keys); only the physical layout
differs, so SQLite is left alone. An existing table is converted without losing a row: the old
table is renamed aside, the partitioned one created with the same columns, comments, key and
foreign keys, a partition made for every month present plus a DEFAULT one, the rows copied,
and the old table dropped. Downgrade does the reverse (partitions detached earlier stay as
tables of their own: their rows had left the table before).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

from stations.store.partitions import (
    PARTITIONED,
    default_name,
    months_present,
    next_month,
    month_start,
    partition_name,
)

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_KEY = "station_id, parameter"  # then the partition key: it must be part of the primary key
_FOREIGN = {
    "readings": [
        ("fk_readings_station_id_sites", "station_id", "sites (id)"),
        ("fk_readings_file_id_ingested_files", "file_id", "ingested_files (id)"),
    ],
    "hourly_means": [("fk_hourly_means_station_id_sites", "station_id", "sites (id)")],
}


def _rebuild(table: str, partitioned: bool) -> None:
    column = PARTITIONED[table]
    aside = f"{table}_old"
    op.execute(f"ALTER TABLE {table} RENAME TO {aside}")
    op.execute(f"ALTER TABLE {aside} RENAME CONSTRAINT pk_{table} TO pk_{aside}")
    layout = f" PARTITION BY RANGE ({column})" if partitioned else ""
    op.execute(f"CREATE TABLE {table} (LIKE {aside} INCLUDING DEFAULTS INCLUDING COMMENTS){layout}")
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({_KEY}, {column})")
    for name, local, target in _FOREIGN[table]:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({local}) REFERENCES {target}"
        )
    if partitioned:
        op.execute(f"CREATE TABLE {default_name(table)} PARTITION OF {table} DEFAULT")
        for month in months_present(op.get_bind(), aside, column):
            op.execute(
                f"CREATE TABLE {partition_name(table, month)} PARTITION OF {table} FOR VALUES "
                f"FROM ({month_start(month)}) TO ({month_start(next_month(month))})"
            )
    op.execute(f"INSERT INTO {table} SELECT * FROM {aside}")
    op.execute(f"DROP TABLE {aside}")  # attached partitions go with it; detached ones do not


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PARTITIONED:
        _rebuild(table, partitioned=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in PARTITIONED:
        _rebuild(table, partitioned=False)
