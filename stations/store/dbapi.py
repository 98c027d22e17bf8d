"""Plain SQL on a connection's DBAPI cursor, for the readings API's per-request reads.

A SQLAlchemy Core statement costs 50–150 µs of Python per execution to look up its compiled
form, bind and wrap the result, and an expanding ``IN`` costs that per value: the format notes
of a day's 288 files took ~1 ms that way against 0.06 ms on the cursor (bench/README.md,
"Readings API"). The few statements a readings answer runs on every request are written once
as SQL text with ``?`` placeholders, which become ``%s`` for psycopg (an ``IN`` test comes from
:func:`stations.store.readings._in_list`, one array argument on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from stations.store.readings import _cursor, _is_pg


def fetch_all(
    conn: Connection, sql: str, params: Sequence[Any], *, planned_each_time: bool = False
) -> list[Any]:
    """Every row of ``sql`` (``?`` placeholders) as plain tuples.

    PostgreSQL: psycopg prepares a statement on its fifth run on a connection, and the server
    may then keep one plan for all arguments. ``planned_each_time`` keeps the statement from
    being prepared, so each run is planned for its own arguments. Pages of raw readings
    (``ORDER BY`` the key, ``LIMIT``) need it: a plan made for any window estimates a window's
    rows from defaults, 274 for a 30-day window that holds 77,760, and sorts them all, where
    the page's own plan is an ordered index scan that stops at the limit (110 ms against 25,
    bench/README.md round 10).
    """
    cur = _cursor(conn)
    try:
        if _is_pg(conn):
            prepare = False if planned_each_time else None  # None: psycopg's own rule
            cur.execute(sql.replace("?", "%s"), params, prepare=prepare)
        else:
            cur.execute(sql, params)
        return cur.fetchall()  # type: ignore[no-any-return]
    finally:
        cur.close()


def execute_many(conn: Connection, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """``sql`` (``?`` placeholders) once per row of plain tuples, on the DBAPI cursor."""
    if not rows:
        return
    cur = _cursor(conn)
    try:
        cur.executemany(sql.replace("?", "%s") if _is_pg(conn) else sql, rows)
    finally:
        cur.close()


def read_snapshot(conn: Connection) -> None:
    """Make the statements that follow on ``conn`` read one snapshot of the database, until the
    connection goes back to the pool (SQLAlchemy then rolls its transaction back). Call first,
    before any statement; for reads only.

    SQLite: a read transaction. Outside one each statement is a transaction of its own, and
    each paid a shared lock, an unlock and about a dozen file checks: a readings page runs ten
    (strace: 11 ``stat`` and 5 ``fcntl`` calls per answer, 1 and 0.2 with this). A write after
    it would have to upgrade a snapshot an ingest may have moved past.
    PostgreSQL: a ``REPEATABLE READ READ ONLY`` transaction (under the default READ COMMITTED
    each statement takes a snapshot of its own).

    Either way the data version a cached answer is filed under and the rows it was built from
    come from one state of the database."""
    raw: Any = conn.connection.driver_connection
    if _is_pg(conn):
        if raw.info.transaction_status.name == "IDLE":  # no statement run in this transaction
            with raw.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
    elif not raw.in_transaction:
        raw.execute("BEGIN")


def end_snapshot(conn: Connection) -> None:
    """End the transaction :func:`read_snapshot` began, before the connection goes back to the
    pool.

    PostgreSQL: ``COMMIT`` the ``READ ONLY`` transaction, which has nothing to undo. The pool
    would roll it back, and psycopg forgets its prepared statements at every ``ROLLBACK``:
    every answer then parsed and planned its statements again. A transaction in error is left
    to the pool. SQLite: nothing to do (its statement cache outlives a rollback).
    """
    if not _is_pg(conn):
        return
    raw: Any = conn.connection.driver_connection
    if raw.info.transaction_status.name == "INTRANS":  # idle in a transaction, no error
        raw.commit()


@contextmanager
def snapshot(conn: Connection) -> Iterator[None]:
    """:func:`read_snapshot` for the statements of the block, then :func:`end_snapshot`."""
    read_snapshot(conn)
    try:
        yield
    finally:
        end_snapshot(conn)
