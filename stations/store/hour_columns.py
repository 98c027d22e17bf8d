"""Hourly means of one station and parameter as columns, read through the DBAPI cursor.

The compliance summary of a year reads ~9,000 hours per parameter; SQLAlchemy's per-row
objects cost four times the query (bench/README.md, "Readings over long windows"), so these
reads go straight to the cursor, ordered by hour (the table's key after station and parameter).
"""

from __future__ import annotations

from itertools import chain
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Connection

from stations.store.compliance_tables import normalised_hourly_means
from stations.store.dbapi import fetch_all
from stations.store.schema import hourly_means

Ints = np.ndarray[Any, np.dtype[np.int64]]


class HourColumns(NamedTuple):
    """Stored hourly rows of one parameter as columns (one entry per row, by hour)."""

    hour_start: Ints
    mean: np.ndarray[Any, np.dtype[np.float64]]
    n_valid: Ints
    has_mean: np.ndarray[Any, np.dtype[np.bool_]]


NO_ROWS = HourColumns(
    np.zeros(0, np.int64), np.zeros(0, np.float64), np.zeros(0, np.int64), np.zeros(0, np.bool_)
)

_TABLES = {t.name for t in (hourly_means, normalised_hourly_means)}


def read_hour_columns(
    conn: Connection, table: str, station_id: str, parameter: str, start: int, end: int
) -> HourColumns:
    """``(hour_start, mean, n_valid, has_mean)`` of ``table``'s rows in [start, end), by
    hour; a row without a mean has mean 0.0 and has_mean False."""
    if table not in _TABLES:
        raise ValueError(f"not an hourly table: {table!r}")
    sql = (
        "SELECT hour_start, COALESCE(mean, 0.0), "
        # n_valid, or −1 − n_valid without a mean: one column less to fetch (a third of the cost)
        "CASE WHEN mean IS NULL THEN -1 - n_valid ELSE n_valid END "
        f"FROM {table} WHERE station_id = ? "
        "AND parameter = ? AND hour_start >= ? AND hour_start < ? ORDER BY hour_start"
    )
    rows = fetch_all(conn, sql, [station_id, parameter, start, end])
    # one flat pass (np.array over tuples costs a third of the fetch); epochs and counts are
    # exact in float64
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows))
    cols = flat.reshape(len(rows), 3)
    coded = cols[:, 2].astype(np.int64)
    has_mean = coded >= 0
    n_valid = np.where(has_mean, coded, -1 - coded)
    return HourColumns(cols[:, 0].astype(np.int64), cols[:, 1].copy(), n_valid, has_mean)
