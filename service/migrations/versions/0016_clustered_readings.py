"""SQLite: readings and the hourly tables stored in their key's order (WITHOUT ROWID).

A rowid table keeps its rows in insertion order and its primary key in a separate index. A
department's stations send their files interleaved, so one station's day of readings lay
scattered over the table, and every row a range read returned cost a key-index entry plus a
lookup by rowid into a page of other stations' rows. Clustered on (station, parameter, time),
the same read walks consecutive rows of one b-tree, each insert writes one b-tree instead of
two, and the same rows take about a third less space (bench/README.md, "Round 9"). The rows
are small (~60 bytes), the case SQLite's documentation gives for WITHOUT ROWID.

PostgreSQL has no such table kind (its heap is unordered by design; the monthly partitions of
migration 0014 keep its range reads local): nothing changes there.

The rebuild copies every row once (a 10-year department database: minutes, logged). The
table's own statement from ``sqlite_master`` is reused, so columns, types, constraints and
names stay exactly as the earlier migrations made them; indexes and triggers on the table are
recreated from theirs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import logging
import re
import time

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

TABLES = ("readings", "hourly_means", "normalised_hourly_means")
_SUFFIX = re.compile(r"\s*WITHOUT\s+ROWID\s*$", re.IGNORECASE)


def _rebuild(table: str, clustered: bool) -> None:
    bind = op.get_bind()
    row = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).first()
    if row is None:
        return
    create = row[0]
    if bool(_SUFFIX.search(create)) == clustered:
        return  # already in the wanted form
    body = _SUFFIX.sub("", create)
    head = re.match(r"CREATE TABLE\s+(\"?)" + table + r"\1", body)
    if head is None:
        raise RuntimeError(f"unexpected statement for {table}: {create[:80]}")
    new = f"_rebuild_{table}"
    body = f"CREATE TABLE {new}" + body[head.end() :]
    extras = [
        sql
        for (sql,) in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]
    n = bind.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
    log.info("%s: rebuilding %d rows %s", table, n, "in key order" if clustered else "with rowid")
    bind.exec_driver_sql(f"DROP TABLE IF EXISTS {new}")  # left by an interrupted run
    bind.exec_driver_sql(body + (" WITHOUT ROWID" if clustered else ""))
    _copy(table, new, n)
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {table}")
    for sql in extras:
        bind.exec_driver_sql(sql)


def _copy(table: str, new: str, n: int) -> None:
    """Every row of ``table`` into ``new``, station by station in key order (the new table then
    grows at its end instead of splitting pages), with a log line at most every 5 s saying how
    far it is; refuses to go on unless ``new`` holds all ``n`` rows."""
    bind = op.get_bind()
    key = [
        r[1]
        for r in sorted(bind.exec_driver_sql(f"PRAGMA table_info({table})"), key=lambda r: r[5])
        if r[5]
    ]
    order = ", ".join(key)
    stations = [sid for (sid,) in bind.exec_driver_sql("SELECT id FROM sites ORDER BY id")]
    copied, said = 0, time.monotonic()
    for k, station in enumerate(stations, 1):
        copied += bind.exec_driver_sql(
            f"INSERT INTO {new} SELECT * FROM {table} WHERE station_id = ? ORDER BY {order}",
            (station,),
        ).rowcount
        if time.monotonic() - said > 5:
            log.info("%s: %d of %d rows (station %d of %d)", table, copied, n, k, len(stations))
            said = time.monotonic()
    if copied < n:  # rows of a station no longer in the registry (foreign keys were off)
        bind.exec_driver_sql(
            f"INSERT INTO {new} SELECT * FROM {table} "
            f"WHERE station_id NOT IN (SELECT id FROM sites) ORDER BY {order}"
        )
    found = bind.exec_driver_sql(f"SELECT count(*) FROM {new}").scalar_one()
    if found != n:
        raise RuntimeError(f"{table}: {found} rows copied of {n}; the table is left as it was")


def _run(clustered: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    # The copied rows already satisfy their foreign keys: checking each again would cost a
    # lookup per row. The pragma only acts outside a transaction (see migration 0015).
    bind.exec_driver_sql("PRAGMA foreign_keys=OFF")
    for table in TABLES:
        _rebuild(table, clustered)


def upgrade() -> None:
    _run(clustered=True)


def downgrade() -> None:
    _run(clustered=False)
