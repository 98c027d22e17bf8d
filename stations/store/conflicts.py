"""Resent readings that disagree with the stored ones: kept as evidence, never silent.

A datalogger that resends a corrected file (same name, other bytes) or two files that cover the
same minute give a second value for a stored key (station, parameter, time). The first value
received stays in ``readings`` (the evidence the facility sent first); every different value
is recorded here with the file it came from, counted in the readings API (``conflicts``) and
listed for administrators.

Only batches in which some reading was already stored pay for the check, and it reads back only
the keys of that batch (in chunks), never the whole span.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
)

from stations.store.dbapi import fetch_all
from stations.store.metadata import metadata
from stations.store.readings import _cursor, _in_list, _is_pg

reading_conflicts = Table(
    "reading_conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), nullable=False),
    Column("parameter", String(32), nullable=False),
    Column("observed_at", BigInteger, nullable=False, comment="UTC epoch seconds"),
    Column("kept_value", Float, nullable=True, comment="the stored (first) value"),
    Column("kept_file_id", Integer, nullable=True),
    Column("value", Float, nullable=True, comment="the conflicting value received later"),
    Column("unit", String(32), nullable=False),
    Column("status", String(2), nullable=False),
    Column("file_id", Integer, ForeignKey("ingested_files.id"), nullable=True),
    Column("recorded_at", BigInteger, nullable=False),
    Index("ix_reading_conflicts_key", "station_id", "parameter", "observed_at"),
)

_CHUNK = 500


def record_conflicts(conn: Connection, rows: Sequence[tuple[Any, ...]], now: int) -> int:
    """Compare a batch's reading rows (``station, parameter, t, value, unit, status, flags,
    file_id``) with what is stored; record each row another file stored differently."""
    by_series: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for r in rows:
        by_series.setdefault((r[0], r[1]), []).append(r)
    cur = _cursor(conn)
    ph = "%s" if _is_pg(conn) else "?"
    found = []
    for (station, parameter), series in by_series.items():
        for i in range(0, len(series), _CHUNK):
            chunk = series[i : i + _CHUNK]
            test, args = _in_list(conn, [r[2] for r in chunk])
            cur.execute(
                "SELECT observed_at, value, unit, status, file_id FROM readings "
                f"WHERE station_id = {ph} AND parameter = {ph} AND observed_at {test}",
                [station, parameter, *args],
            )
            stored = {t: (v, u, s, f) for t, v, u, s, f in cur.fetchall()}
            for r in chunk:
                kept = stored.get(r[2])
                if kept is None or kept[3] == r[7] or kept[:3] == (r[3], r[4], r[5]):
                    continue
                found.append(
                    {
                        "station_id": station,
                        "parameter": parameter,
                        "observed_at": r[2],
                        "kept_value": kept[0],
                        "kept_file_id": kept[3],
                        "value": r[3],
                        "unit": r[4],
                        "status": r[5],
                        "file_id": r[7],
                        "recorded_at": now,
                    }
                )
    if found:
        conn.execute(insert(reading_conflicts), found)
    return len(found)


def count_conflicts(
    conn: Connection, station_id: str, parameters: Sequence[str], start: int, end: int
) -> int:
    """Conflicting values recorded for a station's parameters in ``[start, end)`` (on the
    DBAPI cursor: the readings API counts on every answer)."""
    if not parameters:
        return 0
    test, args = _in_list(conn, parameters)
    sql = (
        f"SELECT count(*) FROM reading_conflicts WHERE station_id = ? AND parameter {test} "
        "AND observed_at >= ? AND observed_at < ?"
    )
    return int(fetch_all(conn, sql, [station_id, *args, start, end])[0][0])


def list_conflicts(
    conn: Connection, station_id: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Any], int]:
    """Recorded conflicts, newest first, and how many match."""
    c = reading_conflicts.c
    where = [] if station_id is None else [c.station_id == station_id]
    total = conn.scalar(select(func.count()).select_from(reading_conflicts).where(*where)) or 0
    rows = conn.execute(
        select(reading_conflicts)
        .where(*where)
        .order_by(c.recorded_at.desc(), c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)
