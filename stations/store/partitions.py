"""Monthly range partitions of readings and hourly means on PostgreSQL (issue 20).

A decade of 5-minute data from hundreds of stations is billions of rows: one table per calendar
month (UTC) keeps each index small, lets a query for a window touch only its months, and lets an
old month leave the table by DETACH instead of a huge DELETE. A DEFAULT partition takes any reading
whose month has no partition yet, so no reading is ever refused; :func:`ensure_partitions` moves
those rows into their month when it creates it. SQLite is not partitioned: every function here
is a no-op there.
"""

from __future__ import annotations

import gzip
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# table -> its partition key (UTC epoch seconds); the key is part of each primary key.
PARTITIONED: dict[str, str] = {"readings": "observed_at", "hourly_means": "hour_start"}
AHEAD_MONTHS = 3  # the current month and this many after it always exist

Month = tuple[int, int]  # (year, month) in UTC
_BOUND = re.compile(r"FROM \('?(-?\d+)'?\)")


def month_of(epoch: int) -> Month:
    """The UTC calendar month holding ``epoch``."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.year, moment.month


def month_start(month: Month) -> int:
    """Epoch seconds of the first instant of ``month`` (UTC)."""
    return int(datetime(month[0], month[1], 1, tzinfo=UTC).timestamp())


def next_month(month: Month) -> Month:
    year, mon = month
    return (year + 1, 1) if mon == 12 else (year, mon + 1)


def parse_month(value: str) -> Month:
    """``YYYY-MM`` -> (year, month); ValueError with a bilingual message otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"tháng phải có dạng YYYY-MM / month must be YYYY-MM: {value!r}")
    return int(match.group(1)), int(match.group(2))


def partition_name(table: str, month: Month) -> str:
    return f"{table}_y{month[0]:04d}m{month[1]:02d}"


def default_name(table: str) -> str:
    return f"{table}_default"


def is_partitioned(conn: Connection, table: str) -> bool:
    """Whether ``table`` is a partitioned table (always False on SQLite)."""
    if conn.dialect.name != "postgresql":
        return False
    found = conn.execute(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = :t AND pg_table_is_visible(c.oid)"
        ),
        {"t": table},
    ).first()
    return found is not None


@dataclass(frozen=True)
class Partition:
    table: str
    name: str
    month: Month | None  # None for the DEFAULT partition
    rows: int


def _children(conn: Connection, table: str) -> list[tuple[str, Month | None]]:
    result = conn.execute(
        text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = :t AND pg_table_is_visible(p.oid) ORDER BY c.relname"
        ),
        {"t": table},
    )
    children: list[tuple[str, Month | None]] = []
    for name, bound in result:
        match = _BOUND.search(str(bound))
        children.append((str(name), month_of(int(match.group(1))) if match else None))
    return children


def _count(conn: Connection, name: str) -> int:
    return int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())


def list_partitions(conn: Connection) -> list[Partition]:
    """Every partition of the partitioned tables with its exact row count, by table and month."""
    out: list[Partition] = []
    for table in PARTITIONED:
        if not is_partitioned(conn, table):
            continue
        for name, month in _children(conn, table):
            out.append(Partition(table, name, month, _count(conn, name)))
    return out


def _months_in_default(conn: Connection, table: str) -> set[Month]:
    return set(months_present(conn, default_name(table), PARTITIONED[table]))


def create_partition(conn: Connection, table: str, month: Month) -> int | None:
    """Create ``month``'s partition of ``table``, moving its rows out of DEFAULT; rows moved, or
    None when it already exists (another replica starting at the same time made it).

    Runs in the caller's transaction; the parent is locked first so no reading of that month can
    land in DEFAULT between the move and the creation.
    """
    column = PARTITIONED[table]
    low, high = month_start(month), month_start(next_month(month))
    default = default_name(table)
    conn.execute(text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
    if any(m == month for _, m in _children(conn, table)):
        return None
    name = partition_name(table, month)
    if conn.execute(text("SELECT to_regclass(:n)"), {"n": f'"{name}"'}).scalar() is not None:
        # The month was detached (archived) and its table kept: late rows of that month stay
        # in DEFAULT, still queried, rather than the job failing on the name every day.
        log.warning("%s is a detached month: its late rows stay in %s", name, default)
        return None
    conn.execute(text(f'CREATE TEMP TABLE moving_rows (LIKE "{default}") ON COMMIT DROP'))
    moved = conn.execute(
        text(
            f'WITH gone AS (DELETE FROM "{default}" WHERE {column} >= {low} AND {column} < {high} '
            "RETURNING *) INSERT INTO moving_rows SELECT * FROM gone"
        )
    ).rowcount
    conn.execute(
        text(f'CREATE TABLE "{name}" PARTITION OF "{table}" FOR VALUES FROM ({low}) TO ({high})')
    )
    conn.execute(text(f'INSERT INTO "{table}" SELECT * FROM moving_rows'))
    conn.execute(text("DROP TABLE moving_rows"))
    return int(moved)


def ensure_partitions(
    engine: Engine, now: int, ahead: int = AHEAD_MONTHS
) -> list[tuple[str, Month, int]]:
    """Create the partitions of the current month, ``ahead`` months after it and every month with
    rows in DEFAULT (moving them); returns (table, month, rows moved) for each one created."""
    wanted: list[Month] = [month_of(now)]
    for _ in range(ahead):
        wanted.append(next_month(wanted[-1]))
    created: list[tuple[str, Month, int]] = []
    for table in PARTITIONED:
        with engine.connect() as conn:
            if not is_partitioned(conn, table):
                continue
            existing = {m for _, m in _children(conn, table) if m is not None}
            missing = sorted((set(wanted) | _months_in_default(conn, table)) - existing)
        for month in missing:  # one short transaction each: ingest waits for one month only
            with engine.begin() as conn:
                moved = create_partition(conn, table, month)
            if moved is not None:
                created.append((table, month, moved))
    return created


@dataclass(frozen=True)
class Detached:
    partition: Partition
    export: Path | None


def _export(conn: Connection, name: str, directory: Path) -> Path:
    """COPY a (detached) partition to ``directory/<name>.csv.gz``, streamed in chunks."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"{name}.csv.gz"
    partial = final.with_name(final.name + ".part")
    cur: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with gzip.open(partial, "wb") as out:
        with cur.copy(f'COPY (SELECT * FROM "{name}") TO STDOUT WITH (FORMAT csv, HEADER)') as copy:
            for chunk in copy:
                out.write(bytes(chunk))
    partial.replace(final)  # a file with the final name is always complete
    return final


def detach_before(engine: Engine, cutoff: Month, export_dir: Path | None = None) -> list[Detached]:
    """Detach every monthly partition before ``cutoff`` (never DROP: each stays a table of its
    own, outside the parent) and, with ``export_dir``, write its rows to a gzipped CSV.

    Detaching first makes the table static, so the export needs no lock on live ingest.
    """
    with engine.connect() as conn:
        old = [
            (table, name, month)
            for table in PARTITIONED
            if is_partitioned(conn, table)
            for name, month in _children(conn, table)
            if month is not None and month < cutoff
        ]
    done: list[Detached] = []
    for table, name, month in old:
        with engine.begin() as conn:
            conn.execute(text(f'ALTER TABLE "{table}" DETACH PARTITION "{name}"'))
        with engine.begin() as conn:  # counted once static: the figure matches the export
            part = Partition(table, name, month, _count(conn, name))
            path = _export(conn, name, export_dir) if export_dir is not None else None
        done.append(Detached(part, path))
    return done


def months_present(conn: Connection, table: str, column: str) -> list[Month]:
    """Distinct UTC months of ``column`` in ``table`` (the migration sizes partitions with it)."""
    result = conn.execute(
        text(
            f"SELECT DISTINCT extract(year FROM to_timestamp({column}) AT TIME ZONE 'UTC')::int, "
            f"extract(month FROM to_timestamp({column}) AT TIME ZONE 'UTC')::int FROM \"{table}\""
        )
    )
    return sorted((int(y), int(m)) for y, m in result)
