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
    pg = conn.dialect.name == "postgresql"
    ph = "%s" if pg else "?"
    args: list[Any]
    if pg:
        test, args = f"= ANY({ph})", [list(parameters)]
    else:
        test, args = f"IN ({','.join('?' * len(parameters))})", list(parameters)
    sql = (
        "SELECT parameter, observed_at, value, status, qc_flags, file_id FROM readings "
        f"WHERE station_id = {ph} AND parameter {test} "
        f"AND observed_at >= {ph} AND observed_at < {ph}"
    )
    params: list[Any] = [station_id, *args, start, end]
    if after is not None:
        sql += f" AND (parameter > {ph} OR (parameter = {ph} AND observed_at > {ph}))"
        params += [after[0], after[0], after[1]]
    sql += " ORDER BY parameter, observed_at"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(sql, params)
        return cur.fetchall()  # type: ignore[no-any-return]
    finally:
        cur.close()


def first_units(conn: Connection, station_id: str, firsts: dict[str, int]) -> dict[str, str]:
    """``{parameter: unit}`` as stored with the reading of each ``{parameter: observed_at}``
    (a page's first row of a parameter whose site names no unit); one key lookup each."""
    if not firsts:
        return {}
    ph = "%s" if conn.dialect.name == "postgresql" else "?"
    sql = (
        f"SELECT unit FROM readings WHERE station_id = {ph} AND parameter = {ph} "
        f"AND observed_at = {ph}"
    )
    out = {}
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        for code, t in firsts.items():
            cur.execute(sql, [station_id, code, t])
            found = cur.fetchone()
            if found is not None:
                out[code] = found[0]
    finally:
        cur.close()
    return out
