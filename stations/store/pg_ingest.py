"""PostgreSQL's bulk writes for one ingest batch: everything by ``COPY``, in few round trips.

The server is another process (on another core), so the client's parse and QC can run while
the server inserts: readings stream into a binary ``COPY`` as QC produces them, file records
take ids reserved from their sequence and go in by ``COPY`` (no Python array parameters), and
hourly means of hours new to the database are copied in too. Every ``COPY`` of rows that
should be new runs under a savepoint: should a key exist after all (another transaction stored
it meanwhile), the primary key refuses the copy, which is undone, and the caller takes the
``ON CONFLICT`` path, so the first value received still wins and nothing is stored twice.
The server checks each copied reading's foreign key (its file) when the ``COPY`` ends (the
checks are after-row triggers), so the end of a readings ``COPY`` is awaited by a thread while
the caller parses the next part of its batch.
SQLite never comes here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from threading import Event, Thread
from typing import Any

from psycopg.copy import LibpqWriter
from sqlalchemy import Connection

from stations.qc import ReadingRow
from stations.store.readings import _COLUMNS as READING_COLUMNS
from stations.store.readings import FILE_COLUMNS, HOURLY_COLUMNS
from stations.store.readings import _cursor as cursor_of

_UNIQUE_VIOLATION = "23505"  # SQLSTATE of a primary-key or unique clash
_READING_TYPES = ("varchar", "varchar", "int8", "float8", "varchar", "varchar", "int4", "int4")
# json's binary form is its text: sent as text, checked by the server as JSON
_FILE_TYPES = ("int4", *("text",) * 4, "int8", "int8", "text", "text", "int4", *("text",) * 3)
_HOURLY_TYPES = ("varchar", "varchar", "int8", *("float8",) * 3, "int4", "int4", "varchar")


def reserve_file_ids(conn: Connection, n: int) -> list[int]:
    """``n`` new ``ingested_files`` ids from the table's sequence (one round trip)."""
    if n <= 0:
        return []
    cur = cursor_of(conn)
    cur.execute(
        "SELECT nextval((SELECT pg_get_serial_sequence('ingested_files', 'id'))) "
        "FROM generate_series(1, %s)",
        [n],
    )
    return [i for (i,) in cur.fetchall()]


def copy_files(
    conn: Connection, rows: Sequence[tuple[Any, ...]], ids: Sequence[int] | None = None
) -> list[int]:
    """Insert ``ingested_files`` rows (:data:`FILE_COLUMNS` order) by ``COPY``; their ids
    (``ids``, reserved by :func:`reserve_file_ids`, or reserved here)."""
    ids = reserve_file_ids(conn, len(rows)) if ids is None else list(ids)
    if ids:
        sql = f"COPY ingested_files (id, {FILE_COLUMNS}) FROM STDIN (FORMAT BINARY)"
        with cursor_of(conn).copy(sql) as cp:
            cp.set_types(_FILE_TYPES)
            for file_id, row in zip(ids, rows, strict=True):
                cp.write_row((file_id, *row))
    return ids


class _EndInThread(LibpqWriter):
    """Sends a ``COPY``'s end and awaits its result in a thread, holding the connection's
    lock meanwhile (anything else sent on the connection waits for it)."""

    def __init__(self, cursor: Any) -> None:
        super().__init__(cursor)
        self._thread: Thread | None = None
        self._holding = Event()
        self._error: BaseException | None = None

    def finish(self, exc: BaseException | None = None) -> None:
        if exc is not None:  # the copy failed on this side: end it now, with the error
            super().finish(exc)
            return
        self._thread = Thread(target=self._end, name="copy-end", daemon=True)
        self._thread.start()

    def _end(self) -> None:
        with self.connection.lock:  # free once ``cursor.copy`` has returned
            self._holding.set()
            try:
                super().finish(None)
            except BaseException as exc:  # re-raised by ``overlap`` in the caller's thread
                self._error = exc

    def overlap(self, meanwhile: Callable[[], None]) -> None:
        """Run ``meanwhile`` while the server ends the copy; raise the copy's error if any."""
        if self._thread is None:
            meanwhile()
            return
        self._holding.wait()
        try:
            meanwhile()
        finally:
            self._thread.join()
        if self._error is not None:
            raise self._error


def _copy_new(
    conn: Connection,
    sql: str,
    types: Sequence[str],
    chunks: Iterable[Any],
    meanwhile: Callable[[], None] | None = None,
) -> bool:
    """Binary ``COPY`` of row chunks under a savepoint; False (and undone) on a key clash.
    ``meanwhile`` (which must not use the connection) runs once every row is sent, while the
    server ends the statement."""
    cur = cursor_of(conn)
    cur.execute("SAVEPOINT copy_new")
    writer = _EndInThread(cur) if meanwhile else None
    try:
        with cur.copy(sql, writer=writer) as cp:
            cp.set_types(types)
            write = cp.write_row
            for chunk in chunks:
                for row in chunk:
                    write(row)
        if writer is not None and meanwhile is not None:
            writer.overlap(meanwhile)
    except Exception as exc:
        if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
            raise
        cur.execute("ROLLBACK TO SAVEPOINT copy_new")
        return False
    cur.execute("RELEASE SAVEPOINT copy_new")
    return True


def copy_new_readings(
    conn: Connection,
    chunks: Iterable[Sequence[ReadingRow]],
    meanwhile: Callable[[], None] | None = None,
) -> bool:
    """Stream readings whose keys should all be new (and distinct) into ``readings``.

    ``chunks`` may be a generator (QC producing each file's rows): the server inserts one
    chunk while the client prepares the next. ``meanwhile`` (no database work) runs while the
    server ends the copy, checking the readings' file keys; it runs even if the copy is then
    refused. False when some key was stored after all: then nothing of the copy remains and
    the caller inserts through ``ON CONFLICT``.
    """
    sql = f"COPY readings ({READING_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    return _copy_new(conn, sql, _READING_TYPES, chunks, meanwhile)


def copy_new_hourly(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> bool:
    """Copy hourly means of hours that should have none stored (:data:`HOURLY_COLUMNS`
    order); False (nothing written) if one was stored after all."""
    if not rows:
        return True
    sql = f"COPY hourly_means ({HOURLY_COLUMNS}) FROM STDIN (FORMAT BINARY)"
    return _copy_new(conn, sql, _HOURLY_TYPES, (rows,))


def any_stored(conn: Connection, keys: Sequence[tuple[str, str, int]]) -> bool:
    """Whether any ``(station, parameter, observed_at)`` of ``keys`` is stored in ``readings``."""
    if not keys:
        return False
    cur = cursor_of(conn)
    stations, parameters, times = (list(c) for c in zip(*keys, strict=True))
    # One index probe per key (LATERAL), whatever the planner guesses of a fresh table's size.
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::text[], %s::int8[]) AS k(s, p, t) "
        "CROSS JOIN LATERAL (SELECT 1 FROM readings r WHERE r.station_id = k.s "
        "AND r.parameter = k.p AND r.observed_at = k.t LIMIT 1) AS hit)",
        [stations, parameters, times],
    )
    return bool(cur.fetchone()[0])
