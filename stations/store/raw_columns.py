"""A page of raw readings read as columns, for the readings API's JSON answer.

:func:`stations.store.series.read_raw_page` returns a tuple of six cells per row; turning a
day's 2,592 rows into Python objects was half of an uncached answer's CPU (bench/README.md,
"Readings API"), and the text cells cost most: a status such as ``"00"`` is a new string per
row. Here the database folds each row's status and QC flags into one small integer (the
status's place in :data:`STATUS_CODES` times :data:`STATUS_STEP`, plus the flags) and names
the parameter by its place in the request, so a row is four numbers and a file id, and the
page is split into per-parameter columns by C-level slices instead of a Python loop.

A status outside :data:`STATUS_CODES` (which the parsers do not store, but an older database
might hold) makes the key NULL: that page is then read by the generic query, whose keys are
``(status, flags)`` tuples, so every answer is the one the row path gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from stations.qc import FLAG_NAMES
from stations.store.corrections import STATUS_CODES
from stations.store.dbapi import fetch_all
from stations.store.readings import _is_pg
from stations.store.series import page_query, read_raw_page

STATUS_STEP = 1 << max(FLAG_NAMES).bit_length()
"""Keys: ``STATUS_CODES.index(status) * STATUS_STEP + qc_flags`` (flags stay below the step)."""

Key = Any  # an int key as above, or a (status, qc_flags) tuple from the generic query


@dataclass(frozen=True, slots=True)
class RawSeries:
    """One parameter's rows of a page, as columns in time order."""

    stamps: Sequence[int]
    values: Sequence[Any]
    keys: Sequence[Key]
    files: Sequence[int | None]


def key_parts(key: Key) -> tuple[str, int]:
    """``(status, qc_flags)`` of a row key."""
    if isinstance(key, tuple):
        return key
    return STATUS_CODES[key // STATUS_STEP], key % STATUS_STEP


def _key_sql() -> str:
    cases = " ".join(f"WHEN '{c}' THEN {i * STATUS_STEP}" for i, c in enumerate(STATUS_CODES))
    # flags outside the step (bits no registry names) would collide: NULL sends the generic way
    return (
        f"CASE WHEN qc_flags >= 0 AND qc_flags < {STATUS_STEP} "
        f"THEN (CASE status {cases} END) + qc_flags END"
    )


_KEY = _key_sql()


def read_raw_columns(
    conn: Connection,
    station_id: str,
    parameters: Sequence[str],
    start: int,
    end: int,
    *,
    after: tuple[str, int] | None = None,
    limit: int | None = None,
) -> tuple[dict[str, RawSeries], tuple[str, int] | None]:
    """The page :func:`read_raw_page` reads (same rows, order, ``after`` and ``limit``), as
    ``{parameter: RawSeries}`` for the parameters that have rows, and the key of its last row
    when more rows remain (``limit`` given and exceeded), else None."""
    codes = list(dict.fromkeys(parameters))
    if not codes:
        return {}, None
    q = _Ask(station_id, codes, start, end, after, limit)
    found = _one_query(conn, q) if _is_pg(conn) else _per_parameter(conn, q)
    if found is None:  # a status outside STATUS_CODES: the generic rows, keyed by tuples
        found = _generic(conn, q)
    out, last = found
    if limit is not None and sum(len(s.stamps) for s in out.values()) > limit:
        code = last[0]  # the extra row ends the page's last series
        s = out[code]
        out[code] = RawSeries(s.stamps[:-1], s.values[:-1], s.keys[:-1], s.files[:-1])
        if not out[code].stamps:
            del out[code]
        last = (code, s.stamps[-2]) if len(s.stamps) > 1 else _last_key(out)
        return out, last
    return out, None


Found = tuple[dict[str, RawSeries], tuple[str, int]]


@dataclass(frozen=True, slots=True)
class _Ask:
    """What a page asks for (the arguments of :func:`read_raw_columns`)."""

    station_id: str
    codes: list[str]
    start: int
    end: int
    after: tuple[str, int] | None
    limit: int | None


def _last_key(out: dict[str, RawSeries]) -> tuple[str, int]:
    code = next(reversed(out))
    return code, out[code].stamps[-1]


def _per_parameter(conn: Connection, q: _Ask) -> Found | None:
    """SQLite: one query per parameter in key order (its BINARY collation orders text as
    Python's ``sorted`` does), each an index range, ``limit + 1`` rows in all; rows without the
    parameter name to decode cost less than the ``IN`` query's (0.37 ms a day's page)."""
    sql = (
        f"SELECT observed_at, value, {_KEY}, file_id FROM readings WHERE station_id = ? "
        "AND parameter = ? AND observed_at >= ? AND observed_at < ? ORDER BY observed_at LIMIT ?"
    )
    after, limit = q.after, q.limit
    left = -1 if limit is None else limit + 1
    out: dict[str, RawSeries] = {}
    for code in sorted(q.codes):
        if after is not None and code < after[0]:
            continue
        # strictly after the cursor's time (integer seconds), one lower bound for the index
        lo = max(q.start, after[1] + 1) if after is not None and code == after[0] else q.start
        rows = fetch_all(conn, sql, [q.station_id, code, lo, q.end, left])
        if not rows:
            continue
        stamps, values, keys, files = zip(*rows, strict=True)
        if None in keys:
            return None
        out[code] = RawSeries(stamps, values, keys, files)
        if limit is not None:
            left -= len(rows)
            if left == 0:
                break
    return (out, _last_key(out)) if out else ({}, ("", 0))


def _one_query(conn: Connection, q: _Ask) -> Found | None:
    """PostgreSQL: one query in the database's own order of parameter names (its collation,
    which the cursor's key comparisons use too), each row naming its parameter by its place."""
    codes = q.codes
    which = " ".join(f"WHEN ? THEN {i}" for i in range(len(codes)))
    columns = f"CASE parameter {which} END, observed_at, value, {_KEY}, file_id"
    limit = None if q.limit is None else q.limit + 1
    sql, args = page_query(conn, columns, q.station_id, codes, q.start, q.end, q.after, limit)
    params = [*codes, *args]  # the CASE's names come first in the statement
    rows = fetch_all(conn, sql, params, planned_each_time=True)
    if not rows:
        return {}, ("", 0)
    which_col, stamps, values, keys, files = zip(*rows, strict=True)
    if None in keys:
        return None
    return _split(codes, which_col, stamps, values, keys, files)


def _generic(conn: Connection, q: _Ask) -> Found:
    more = None if q.limit is None else q.limit + 1
    rows = read_raw_page(conn, q.station_id, q.codes, q.start, q.end, after=q.after, limit=more)
    if not rows:
        return {}, ("", 0)
    names, stamps, values, statuses, flags, files = zip(*rows, strict=True)
    which_col = tuple(map(q.codes.index, names))
    keys = tuple(zip(statuses, flags, strict=True))
    return _split(q.codes, which_col, stamps, values, keys, files)


def _split(codes: list[str], which_col: tuple[int, ...], *columns: tuple[Any, ...]) -> Found:
    """Rows grouped by parameter (one run each) into per-parameter columns."""
    stamps, values, keys, files = columns
    out: dict[str, RawSeries] = {}
    i, n = 0, len(which_col)
    while i < n:
        k = which_col[i]
        j = i + which_col.count(k)
        out[codes[k]] = RawSeries(stamps[i:j], values[i:j], keys[i:j], files[i:j])
        i = j
    return out, (codes[which_col[-1]], stamps[-1])
