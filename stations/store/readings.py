"""Bulk writes and range reads on ``readings``, ``latest_values`` and ``hourly_means``.

The write path is the ingestion hot path: rows go to the driver as tuples with one
``executemany`` (SQLite) or one ``unnest`` statement (PostgreSQL), skipping per-row ORM work.
Keys are (station, parameter, observed_at) and inserts are ``ON CONFLICT DO NOTHING``: the
first value received for a key is kept, so re-ingesting can never change stored evidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, text

from stations.qc import INVALID_MASK
from stations.store.schema import ingested_files, site_parameters, sites

ReadingRow = tuple[str, str, int, float, str, str, int, int | None]
_COLUMNS = "station_id, parameter, observed_at, value, unit, status, qc_flags, file_id"
_PG_TYPES = ("text", "text", "bigint", "float8", "text", "text", "int", "int")


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def insert_readings(conn: Connection, rows: Sequence[ReadingRow]) -> int:
    """Insert readings, keeping existing keys untouched; returns the number newly stored."""
    if not rows:
        return 0
    if _is_pg(conn):
        # One statement with column arrays: ~5x faster than executemany round trips.
        arrays = [list(col) for col in zip(*rows, strict=True)]
        unnest = ", ".join(f"%s::{t}[]" for t in _PG_TYPES)
        sql = (
            f"INSERT INTO readings ({_COLUMNS}) SELECT * FROM unnest({unnest}) "
            "ON CONFLICT (station_id, parameter, observed_at) DO NOTHING"
        )
        return int(conn.exec_driver_sql(sql, tuple(arrays)).rowcount)
    sql = (
        f"INSERT INTO readings ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (station_id, parameter, observed_at) DO NOTHING"
    )
    return int(conn.exec_driver_sql(sql, list(rows)).rowcount)


_HOURLY_SQL = f"""
INSERT INTO hourly_means
    (station_id, parameter, hour_start, mean, min, max, n_valid, n_total, unit)
SELECT station_id, parameter, (observed_at / 3600) * 3600,
    AVG(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    MIN(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    MAX(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    SUM(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN 1 ELSE 0 END),
    COUNT(*),
    COALESCE(MAX(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN unit END), MAX(unit))
FROM readings
WHERE station_id = :station AND parameter IN :params
    AND observed_at >= :start AND observed_at < :end
GROUP BY station_id, parameter, (observed_at / 3600) * 3600
ON CONFLICT (station_id, parameter, hour_start) DO UPDATE SET
    mean = excluded.mean, min = excluded.min, max = excluded.max,
    n_valid = excluded.n_valid, n_total = excluded.n_total, unit = excluded.unit
"""
_HOURLY = text(_HOURLY_SQL).bindparams(bindparam("params", expanding=True))


def refresh_hourly(
    conn: Connection, station_id: str, parameters: Iterable[str], start: int, end: int
) -> None:
    """Recompute the hourly means of the hours touching ``[start, end]`` (UTC epoch seconds).

    Means are recomputed from stored readings, so late and out-of-order files are handled.
    Only readings without an *invalid* QC flag count (``n_valid``); ``n_total`` counts all.
    """
    params = sorted(set(parameters))
    if not params:
        return
    hour0 = start // 3600 * 3600
    conn.execute(
        _HOURLY,
        {"station": station_id, "params": params, "start": hour0, "end": end // 3600 * 3600 + 3600},
    )


_LATEST_SQL = """
INSERT INTO latest_values (station_id, parameter, observed_at, value, unit, status, qc_flags)
VALUES ({ph})
ON CONFLICT (station_id, parameter) DO UPDATE SET
    observed_at = excluded.observed_at, value = excluded.value, unit = excluded.unit,
    status = excluded.status, qc_flags = excluded.qc_flags
WHERE excluded.observed_at >= latest_values.observed_at
"""


def upsert_latest(
    conn: Connection, rows: Sequence[tuple[str, str, int, float, str, str, int]]
) -> None:
    """Upsert ``(station, parameter, observed_at, value, unit, status, qc_flags)`` if newer."""
    if not rows:
        return
    ph = ", ".join(["%s" if _is_pg(conn) else "?"] * 7)
    conn.exec_driver_sql(_LATEST_SQL.format(ph=ph), list(rows))


_HISTORY = text(
    "SELECT parameter, observed_at, value, status FROM readings "
    "WHERE station_id = :station AND parameter IN :params "
    "AND observed_at >= :start AND observed_at < :end ORDER BY parameter, observed_at"
).bindparams(bindparam("params", expanding=True))


def history_before(
    conn: Connection, station_id: str, parameters: Iterable[str], before: int, window_s: int
) -> list[tuple[str, int, float | None, str]]:
    """Stored ``(parameter, observed_at, value, status)`` in ``[before - window_s, before)``."""
    params = sorted(set(parameters))
    if not params:
        return []
    result = conn.execute(
        _HISTORY,
        {"station": station_id, "params": params, "start": before - window_s, "end": before},
    )
    return [tuple(r) for r in result]  # type: ignore[misc]


def station_units(conn: Connection) -> dict[str, dict[str, str]]:
    """``{station_id: {parameter: unit}}`` for every registered automatic station."""
    out: dict[str, dict[str, str]] = {
        sid: {} for sid in conn.scalars(select(sites.c.id).where(sites.c.site_type == "station"))
    }
    for site_id, parameter, unit in conn.execute(select(site_parameters)):
        if site_id in out:
            out[site_id][parameter] = unit
    return out


def known_hashes(conn: Connection, hashes: Sequence[str]) -> dict[str, tuple[int, str]]:
    """``{sha256: (file id, outcome)}`` for hashes already recorded."""
    found: dict[str, tuple[int, str]] = {}
    for i in range(0, len(hashes), 500):
        chunk = list(hashes[i : i + 500])
        query = select(ingested_files.c.sha256, ingested_files.c.id, ingested_files.c.outcome)
        for sha, file_id, outcome in conn.execute(query.where(ingested_files.c.sha256.in_(chunk))):
            found[sha] = (file_id, outcome)
    return found


def record_files(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert ``ingested_files`` rows; returns ``{sha256: id}``."""
    if not rows:
        return {}
    values = [{**r, "line_errors": r.get("line_errors") or []} for r in rows]
    if _is_pg(conn):
        stmt = ingested_files.insert().returning(ingested_files.c.sha256, ingested_files.c.id)
        return dict(conn.execute(stmt, values).all())  # type: ignore[arg-type]
    # SQLite: the driver's lastrowid per row is ~10x cheaper than RETURNING batches through
    # the ORM-level insertmanyvalues path, and this runs once per received file.
    cols = list(values[0])
    sql = f"INSERT INTO ingested_files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    ids = {}
    for v in values:
        v["line_errors"] = json.dumps(v["line_errors"], ensure_ascii=False)
        cur.execute(sql, [v[c] for c in cols])
        ids[v["sha256"]] = cur.lastrowid
    return ids  # type: ignore[return-value]


# --- range reads for the API (``GET /api/stations/{id}/readings``) ---------------------------

_RAW = text(
    "SELECT parameter, observed_at, value, unit, status, qc_flags FROM readings "
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

    Rows: raw ``(observed_at, value, unit, status, qc_flags)``; hour ``(hour_start, mean, min,
    max, n_valid, n_total, unit)``; day ``(day_start, mean, min, max, n_valid, n_total, unit,
    hours)``.
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
