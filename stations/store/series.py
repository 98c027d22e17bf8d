"""Raw readings of one station read page by page, for the readings API.

Keyset paging: rows come ordered by ``(parameter, observed_at)`` (the ``readings`` key after the
station) and a page resumes strictly after the last key of the one before, so every stored
reading is returned exactly once across pages whatever is ingested meanwhile before the cursor,
and a page costs one index range scan however deep it is. Reads go through the DBAPI cursor:
this is the API's hottest loop and SQLAlchemy's per-row objects cost more than the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from stations.store.dbapi import fetch_all
from stations.store.readings import _in_list

RawRow = tuple[str, int, Any, Any, int, Any]
"""``(parameter, observed_at, value, status, qc_flags, file_id)``: no unit, which is the same
on nearly every row and costs more to decode than the value (see :func:`first_units`)."""


def read_raw_page(
    conn: Connection,
    station_id: str,
    parameters: Sequence[str],
    start: int,
    end: int,
    *,
    after: tuple[str, int] | None = None,
    limit: int | None = None,
) -> list[RawRow]:
    """Raw rows of ``parameters`` in ``[start, end)`` ordered by parameter then time.

    ``after``: the ``(parameter, observed_at)`` key of the previous page's last row;
    ``limit``: at most this many rows (None: all of them).
    """
    if not parameters:
        return []
    columns = "parameter, observed_at, value, status, qc_flags, file_id"
    sql, params = page_query(conn, columns, station_id, parameters, start, end, after, limit)
    return fetch_all(conn, sql, params, planned_each_time=True)


def page_query(
    conn: Connection,
    columns: str,
    station_id: str,
    parameters: Sequence[str],
    start: int,
    end: int,
    after: tuple[str, int] | None,
    limit: int | None,
) -> tuple[str, list[Any]]:
    """The keyset page's statement (``?`` placeholders) selecting ``columns``, and its
    arguments: the one paging rule of :func:`read_raw_page` and the column reader."""
    test, args = _in_list(conn, parameters)
    sql = (
        f"SELECT {columns} FROM readings "
        f"WHERE station_id = ? AND parameter {test} AND observed_at >= ? AND observed_at < ?"
    )
    params: list[Any] = [station_id, *args, start, end]
    if after is not None:
        sql += " AND (parameter > ? OR (parameter = ? AND observed_at > ?))"
        params += [after[0], after[0], after[1]]
    sql += " ORDER BY parameter, observed_at"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def first_units(conn: Connection, station_id: str, firsts: dict[str, int]) -> dict[str, str]:
    """``{parameter: unit}`` as stored with the reading of each ``{parameter: observed_at}``
    (a page's first row of a parameter whose site names no unit); one key lookup each."""
    if not firsts:
        return {}
    sql = "SELECT unit FROM readings WHERE station_id = ? AND parameter = ? AND observed_at = ?"
    out = {}
    for code, t in firsts.items():
        found = fetch_all(conn, sql, [station_id, code, t])
        if found:
            out[code] = found[0][0]
    return out
