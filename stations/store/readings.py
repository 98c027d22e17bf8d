"""Bulk writes and range reads on ``readings``, ``latest_values`` and ``hourly_means``.

The write path is the ingestion hot path: rows go to the DBAPI driver as plain tuples, skipping
SQLAlchemy's per-row work: statements of 64 rows on SQLite, ``COPY`` into a staging table then one
``INSERT … SELECT`` on PostgreSQL. Keys are (station, parameter, observed_at) and inserts are
``ON CONFLICT DO NOTHING``: the first value received for a key is kept, so re-ingesting can
never change stored evidence. Derived tables are refreshed with one set-based statement per
batch from the stored readings, so late and out-of-order files are handled; hourly means the
caller computed itself (hours new to the database) are upserted as they are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from contextlib import suppress
from itertools import chain
from typing import Any

from sqlalchemy import Connection, bindparam, select, text

from stations.qc import FUTURE_OR_OLD, INVALID_MASK, ReadingRow
from stations.store.schema import site_parameters, sites

_COLUMNS = "station_id, parameter, observed_at, value, unit, status, qc_flags, file_id"
FILE_COLUMNS = (
    "sha256, name, origin, station_id, received_at, size, outcome, reason, readings, "
    "line_errors, archive_path, format_notes"
)
"""Column order of the tuples :func:`record_files` takes (``line_errors`` as JSON text)."""
_HOUR_KEY = {"station_id": "text", "parameter": "text", "hour_start": "bigint"}
_SPAN_KEY = {"station_id": "text", "parameter": "text", "lo": "bigint", "hi": "bigint"}


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _cursor(conn: Connection) -> Any:
    """The DBAPI cursor of ``conn``'s connection, inside its current transaction."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


BATCH_CACHE_KIB = 64 * 1024


def tune_for_batch(conn: Connection) -> None:
    """SQLite: keep this connection's temporary tables (a batch's key tables) in memory and
    give it a page cache that holds a batch's pages.

    Call first in the transaction: SQLite refuses the change inside a write transaction (the
    setting is then left as it was). Durability is unaffected: only temporary tables and sort
    scratch space move to memory.
    """
    if not _is_pg(conn):
        with suppress(sqlite3.OperationalError):  # only a speed setting: never fail a batch
            _cursor(conn).execute("PRAGMA temp_store=MEMORY")
        # The default 2 MB page cache spills a batch's dirty pages (the random-order file-hash
        # index above all) once the tables hold weeks of data: the batch cost then grows with
        # the table. 64 MB at most, taken only as pages are used, per connection; a larger
        # cache (the backfill command's) is kept.
        cur = _cursor(conn)
        size = cur.execute("PRAGMA cache_size").fetchone()[0]
        if (-size if size < 0 else size * 4) < BATCH_CACHE_KIB:  # KiB (pages of 4 KiB)
            cur.execute(f"PRAGMA cache_size=-{BATCH_CACHE_KIB}")


def insert_readings(conn: Connection, rows: Sequence[ReadingRow]) -> int:
    """Insert readings, keeping existing keys untouched; returns the number newly stored.

    (PostgreSQL copies a batch whose keys are all new straight in: :mod:`.pg_ingest`.)
    """
    if not rows:
        return 0
    cur = _cursor(conn)
    conflict = "ON CONFLICT (station_id, parameter, observed_at) DO NOTHING"
    if not _is_pg(conn):
        return _insert_sqlite(cur, rows, conflict)
    # COPY is the fastest way in; the staging table lets ON CONFLICT keep the first value.
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS incoming_readings "
        "(LIKE readings INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    with cur.copy(f"COPY incoming_readings ({_COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cur.execute(
        f"INSERT INTO readings ({_COLUMNS}) SELECT {_COLUMNS} FROM incoming_readings {conflict}"
    )
    stored = int(cur.rowcount)
    cur.execute("DELETE FROM incoming_readings")  # a second batch in this transaction
    return stored


ROWS_PER_INSERT = 64
"""SQLite: readings per ``INSERT … VALUES (…), (…)`` statement, fewer driver steps than one
``executemany`` step per row: a 3-day batch took 0.655 s of CPU end to end against 0.713 s
(bench/README.md, round 4). It needs the statement journal in memory (``tune_for_batch``): a
statement writing several rows keeps one to undo itself. 512 parameters stay far under
SQLite's limit of 32,766."""


def _insert_sqlite(cur: Any, rows: Sequence[ReadingRow], conflict: str) -> int:
    """Readings in statements of :data:`ROWS_PER_INSERT`, in order (a key repeated in a batch
    keeps its first value, as row-by-row inserts do)."""
    return insert_rows(cur, f"INSERT INTO readings ({_COLUMNS})", 8, rows, conflict)


def insert_rows(cur: Any, head: str, width: int, rows: Sequence[Sequence[Any]], tail: str) -> int:
    """SQLite: ``head VALUES (…), (…) tail`` with :data:`ROWS_PER_INSERT` rows of ``width``
    values a statement, the rest in one ``executemany``; rows are written in order. Returns
    the number of rows the statements changed."""
    one = f"({','.join('?' * width)})"
    many = f"{head} VALUES {','.join([one] * ROWS_PER_INSERT)} {tail}"
    full = len(rows) - len(rows) % ROWS_PER_INSERT
    changed = 0
    for i in range(0, full, ROWS_PER_INSERT):
        cur.execute(many, list(chain.from_iterable(rows[i : i + ROWS_PER_INSERT])))
        changed += cur.rowcount
    if full < len(rows):
        cur.executemany(f"{head} VALUES {one} {tail}", rows[full:])
        changed += cur.rowcount
    return int(changed)


def record_files(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert ``ingested_files`` rows (tuples in :data:`FILE_COLUMNS` order); returns their ids."""
    if not rows:
        return []
    cur = _cursor(conn)
    if _is_pg(conn):
        arrays = [list(col) for col in zip(*rows, strict=True)]
        types = (
            ("text",) * 4 + ("bigint", "bigint") + ("text",) * 2 + ("int", "text", "text", "text")
        )
        unnest = ", ".join(f"%s::{t}[]" for t in types)
        cols = FILE_COLUMNS.split(", ")
        select_list = ", ".join(f"{c}::json" if c == "line_errors" else c for c in cols)
        cur.execute(
            f"INSERT INTO ingested_files ({FILE_COLUMNS}) SELECT {select_list} "
            f"FROM unnest({unnest}) AS t({FILE_COLUMNS}) RETURNING sha256, id",
            arrays,
        )
        ids = dict(cur.fetchall())
        return [ids[r[0]] for r in rows]
    insert_rows(cur, f"INSERT INTO ingested_files ({FILE_COLUMNS})", 12, rows, "")
    # This transaction holds SQLite's write lock and ``id`` is a rowid alias without
    # AUTOINCREMENT, so the new rows got the consecutive ids ending at max(id).
    last = cur.execute("SELECT max(id) FROM ingested_files").fetchone()[0]
    return list(range(last - len(rows) + 1, last + 1))


_HOURLY_UPSERT = """
ON CONFLICT (station_id, parameter, hour_start) DO UPDATE SET
    mean = excluded.mean, min = excluded.min, max = excluded.max,
    n_valid = excluded.n_valid, n_total = excluded.n_total, unit = excluded.unit
"""
_VALID = f"qc_flags & {INVALID_MASK} = 0"
_HOURLY_SELECT = f"""
INSERT INTO hourly_means
    (station_id, parameter, hour_start, mean, min, max, n_valid, n_total, unit)
SELECT k.station_id, k.parameter, k.hour_start,
    AVG(CASE WHEN {_VALID} THEN value END),
    MIN(CASE WHEN {_VALID} THEN value END),
    MAX(CASE WHEN {_VALID} THEN value END),
    SUM(CASE WHEN {_VALID} THEN 1 ELSE 0 END),
    COUNT(*),
    COALESCE(MAX(CASE WHEN {_VALID} THEN unit END), MAX(unit))
FROM {{keys}} CROSS JOIN readings r
WHERE r.station_id = k.station_id AND r.parameter = k.parameter
    AND r.observed_at >= k.hour_start AND r.observed_at < k.hour_start + 3600
GROUP BY k.station_id, k.parameter, k.hour_start
{_HOURLY_UPSERT}"""


def _keyed(
    conn: Connection,
    sql: str,
    keys: Collection[tuple[Any, ...]],
    name: str,
    columns: dict[str, str],
) -> list[tuple[Any, ...]]:
    """Run ``sql`` whose ``{keys}`` is a relation ``k`` holding the key tuples, with
    ``columns`` ``{name: PostgreSQL type}``: arrays on PostgreSQL; on SQLite a temporary table
    ``name`` keyed on all columns, so grouping by its columns needs no sort. Returns the rows
    a ``SELECT`` gives (``[]`` for other statements)."""
    if not keys:
        return []
    cur = _cursor(conn)
    names = ", ".join(columns)
    if _is_pg(conn):
        unnest = ", ".join(f"%s::{t}[]" for t in columns.values())
        relation = f"unnest({unnest}) AS k({names})"
        pg_sql = sql.replace("%", "%%").format(keys=relation)  # psycopg reads % as placeholder
        cur.execute(pg_sql, [list(c) for c in zip(*keys, strict=True)])
        return cur.fetchall() if cur.description else []
    cur.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {name} ({names}, PRIMARY KEY ({names})) WITHOUT ROWID"
    )
    cur.executemany(f"INSERT OR IGNORE INTO {name} VALUES ({','.join('?' * len(columns))})", keys)
    found = cur.execute(sql.format(keys=f"{name} AS k")).fetchall()
    cur.execute(f"DELETE FROM {name}")
    return found  # type: ignore[no-any-return]


def refresh_hourly(conn: Connection, hours: Collection[tuple[str, str, int]]) -> None:
    """Recompute the hourly means of ``(station, parameter, hour_start)`` keys from storage.

    Only readings without an *invalid* QC flag count (``n_valid``); ``n_total`` counts all.
    """
    _keyed(conn, _HOURLY_SELECT, hours, "hour_keys", _HOUR_KEY)


_HOUR = "{t} - ({t} % 3600 + 3600) % 3600"  # floor to the hour, also before 1970
_STORED_HOURS = f"""
SELECT DISTINCT r.station_id, r.parameter, {_HOUR.format(t="r.observed_at")}
FROM {{keys}} CROSS JOIN readings r
WHERE r.station_id = k.station_id AND r.parameter = k.parameter
    AND r.observed_at >= {_HOUR.format(t="k.lo")}
    AND r.observed_at < {_HOUR.format(t="k.hi")} + 3600
"""


# PostgreSQL: one index probe per span (LATERAL). A month's partition filled in the same
# transaction (an ingest batch's earlier parts) has no statistics, and the planner scanned the
# join above over it whole, a cost growing with every part the batch stored. %% is psycopg's %.
_STORED_HOURS_PG = """
SELECT k.s, k.p, h.hour
FROM unnest(%s::text[], %s::text[], %s::int8[], %s::int8[]) AS k(s, p, lo, hi)
CROSS JOIN LATERAL (
    SELECT DISTINCT r.observed_at - (r.observed_at %% 3600 + 3600) %% 3600 AS hour
    FROM readings r
    WHERE r.station_id = k.s AND r.parameter = k.p
        AND r.observed_at >= k.lo - (k.lo %% 3600 + 3600) %% 3600
        AND r.observed_at < k.hi - (k.hi %% 3600 + 3600) %% 3600 + 3600
) AS h
"""


def stored_hours(
    conn: Connection, spans: Collection[tuple[str, str, int, int]]
) -> set[tuple[str, str, int]]:
    """``(station, parameter, hour_start)`` of the hours already holding a stored reading, over
    the whole hours of each ``(station, parameter, lo, hi)`` span (reads the key index only)."""
    if not spans:
        return set()
    if _is_pg(conn):
        cur = _cursor(conn)
        cur.execute(_STORED_HOURS_PG, [list(c) for c in zip(*spans, strict=True)])
        found = cur.fetchall()
    else:
        found = _keyed(conn, _STORED_HOURS, spans, "span_keys", _SPAN_KEY)
    return {(station, parameter, hour) for station, parameter, hour in found}


HOURLY_COLUMNS = "station_id, parameter, hour_start, mean, min, max, n_valid, n_total, unit"
"""Column order of the tuples :func:`write_hourly` takes."""


def write_hourly(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Upsert hourly means computed by the caller (tuples in :data:`HOURLY_COLUMNS` order).

    Only for hours whose every stored reading the caller has seen: :func:`refresh_hourly`
    recomputes the others from storage.
    """
    if not rows:
        return
    cur = _cursor(conn)
    if _is_pg(conn):
        types = ("text", "text", "bigint", "float8", "float8", "float8", "int", "int", "text")
        unnest = ", ".join(f"%s::{t}[]" for t in types)
        cur.execute(
            f"INSERT INTO hourly_means ({HOURLY_COLUMNS}) SELECT * FROM unnest({unnest})"
            + _HOURLY_UPSERT,
            [list(c) for c in zip(*rows, strict=True)],
        )
        return
    insert_rows(cur, f"INSERT INTO hourly_means ({HOURLY_COLUMNS})", 9, rows, _HOURLY_UPSERT)


_LATEST_SELECT = f"""
INSERT INTO latest_values (station_id, parameter, observed_at, value, unit, status, qc_flags)
SELECT r.station_id, r.parameter, r.observed_at, r.value, r.unit, r.status, r.qc_flags
FROM {{keys}} CROSS JOIN readings r
WHERE r.station_id = k.station_id AND r.parameter = k.parameter AND r.observed_at = (
    SELECT x.observed_at FROM readings x
    WHERE x.station_id = k.station_id AND x.parameter = k.parameter
        AND x.observed_at >= k.lo AND x.observed_at <= k.hi AND x.qc_flags & {FUTURE_OR_OLD} = 0
    ORDER BY x.observed_at DESC LIMIT 1)
ON CONFLICT (station_id, parameter) DO UPDATE SET
    observed_at = excluded.observed_at, value = excluded.value, unit = excluded.unit,
    status = excluded.status, qc_flags = excluded.qc_flags
WHERE excluded.observed_at >= latest_values.observed_at
"""


def refresh_latest(conn: Connection, spans: Collection[tuple[str, str, int, int]]) -> None:
    """Make the newest stored reading in each ``(station, parameter, lo, hi)`` span (not in the
    future nor too old) the latest value, when it is at least as new as the current one."""
    _keyed(conn, _LATEST_SELECT, spans, "span_keys", _SPAN_KEY)


def _in_list(conn: Connection, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """A DBAPI ``IN`` test on ``values``: SQL text and its parameters."""
    if _is_pg(conn):
        return "= ANY(%s)", [list(values)]
    return f"IN ({','.join('?' * len(values))})", list(values)


_HISTORY = """
SELECT r.station_id, r.parameter, r.observed_at, r.value, r.status
FROM {keys} CROSS JOIN readings r
WHERE r.station_id = k.station_id AND r.parameter = k.parameter
    AND r.observed_at >= k.lo AND r.observed_at < k.hi
ORDER BY k.station_id, k.parameter, k.lo, k.hi, r.observed_at
"""  # SQLite: in index order, no sort


def history_before(
    conn: Connection, spans: Collection[tuple[str, str, int, int]]
) -> list[tuple[str, str, int, float | None, str]]:
    """Stored ``(station, parameter, observed_at, value, status)`` in each ``(station,
    parameter, lo, hi)`` span ``[lo, hi)``, in that order (one statement for a whole batch)."""
    return _keyed(conn, _HISTORY, spans, "span_keys", _SPAN_KEY)


def station_units(conn: Connection) -> dict[str, dict[str, str]]:
    """``{station_id: {parameter: unit}}`` for every registered automatic station."""
    out: dict[str, dict[str, str]] = {
        sid: {} for sid in conn.scalars(select(sites.c.id).where(sites.c.site_type == "station"))
    }
    for site_id, parameter, unit in conn.execute(select(site_parameters)):
        if site_id in out:
            out[site_id][parameter] = unit
    return out


def known_hashes(conn: Connection, files: Sequence[tuple[str, str]]) -> dict[str, tuple[int, str]]:
    """``{sha256: (file id, outcome)}`` for the ``(name, sha256)`` of files already recorded.

    Looked up by name (the leading column of the unique ``(name, sha256)`` index; stored names
    are cut at 500 characters), then matched on the hash.
    """
    found: dict[str, tuple[int, str]] = {}
    wanted = {sha for _name, sha in files}
    names = sorted({name[:500] for name, _sha in files})
    cur = _cursor(conn)
    for i in range(0, len(names), 500):
        test, args = _in_list(conn, names[i : i + 500])
        cur.execute(f"SELECT sha256, id, outcome FROM ingested_files WHERE name {test}", args)
        for sha, file_id, outcome in cur.fetchall():
            if sha in wanted:
                found[sha] = (file_id, outcome)
    return found


# --- range reads for the API (``GET /api/stations/{id}/readings``) ---------------------------

_RAW = text(
    "SELECT parameter, observed_at, value, unit, status, qc_flags, file_id FROM readings "
    "WHERE station_id = :station AND parameter IN :params "
    "AND observed_at >= :start AND observed_at < :end ORDER BY parameter, observed_at"
).bindparams(bindparam("params", expanding=True))
_HOURS = text(
    "SELECT parameter, hour_start, mean, min, max, n_valid, n_total, unit FROM hourly_means "
    "WHERE station_id = :station AND parameter IN :params "
    "AND hour_start >= :start AND hour_start < :end ORDER BY parameter, hour_start"
).bindparams(bindparam("params", expanding=True))
# Days are local (UTC+7) calendar days; a day mean weights each hour by its valid readings,
# so it equals the mean of the day's valid readings.
_DAYS = text(
    "SELECT parameter, ((hour_start + :offset) / 86400) * 86400 - :offset AS day_start, "
    "SUM(mean * n_valid) / NULLIF(SUM(n_valid), 0), MIN(min), MAX(max), "
    "SUM(n_valid), SUM(n_total), MAX(unit), COUNT(*) FROM hourly_means "
    "WHERE station_id = :station AND parameter IN :params "
    "AND hour_start >= :start AND hour_start < :end "
    "GROUP BY parameter, ((hour_start + :offset) / 86400) * 86400 - :offset "
    "ORDER BY parameter, day_start"
).bindparams(bindparam("params", expanding=True))


def read_series(
    conn: Connection,
    station_id: str,
    parameters: Sequence[str],
    start: int,
    end: int,
    interval: str,
    utc_offset_s: int = 7 * 3600,
) -> dict[str, list[tuple[Any, ...]]]:
    """``{parameter: [row, ...]}`` for ``interval`` raw | hour | day over ``[start, end)``.

    Rows: raw ``(observed_at, value, unit, status, qc_flags, file_id)``; hour ``(hour_start,
    mean, min, max, n_valid, n_total, unit)``; day ``(day_start, mean, min, max, n_valid,
    n_total, unit, hours)``.
    """
    if not parameters:
        return {}
    args = {"station": station_id, "params": list(parameters), "start": start, "end": end}
    if interval == "raw":
        result = conn.execute(_RAW, args)
    elif interval == "hour":
        result = conn.execute(_HOURS, args)
    else:
        result = conn.execute(_DAYS, {**args, "offset": utc_offset_s})
    out: dict[str, list[tuple[Any, ...]]] = {p: [] for p in parameters}
    for row in result:
        out[row[0]].append(tuple(row[1:]))
    return out
