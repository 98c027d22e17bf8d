"""PostgreSQL: QC a batch's files while their readings stream into the database.

The client (parse, QC) and the server (insert, index, key checks) are two processes, so the
batch's readings go to a ``COPY`` a few files at a time as QC flags them: the server inserts
one chunk's rows while the client flags the next. Keys must all be new for the ``COPY``: a batch
touching hours that already hold readings first asks the database whether any of its keys in
those hours is stored; if one is (or appears meanwhile, or repeats within the batch) the caller
inserts the rows through ``ON CONFLICT`` instead, with the same flags and the first value winning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import Connection

from stations.ingest.prepare import Work
from stations.qc import HourKey, QcChecker, ReadingRow
from stations.store.pg_ingest import any_stored, copy_new_readings

FILES_PER_CHUNK = 32
"""Files QC'd per call: each call has a cost per series QC knows, and the server inserts one
chunk while QC flags the next."""


def _keys_in_hours(accepted: Sequence[Work], hours: set[HourKey]) -> list[tuple[str, str, int]]:
    """Keys of the readings that fall in ``hours`` (only files overlapping them are read)."""
    by_station: dict[str, set[int]] = {}
    for station, _parameter, hour in hours:
        by_station.setdefault(station, set()).add(hour)
    out = []
    for w in accepted:
        first = w.first - w.first % 3600
        touched = {h for s in w.stations for h in by_station.get(s, ()) if first <= h <= w.last}
        if touched:
            out += [(s, p, t) for s, p, t, *_ in w.readings if (s, p, t - t % 3600) in hours]
    return out


def stream_readings(
    conn: Connection,
    checker: QcChecker,
    accepted: Sequence[Work],
    before: set[HourKey],
    meanwhile: Callable[[], None] | None = None,
) -> tuple[int, list[ReadingRow]]:
    """QC ``accepted`` (in order) and store its readings; ``meanwhile`` (no database work) is
    called once, when all rows are sent, while the server finishes storing them.

    Returns the number of readings stored by ``COPY`` and ``[]``, or ``0`` and every QC'd row
    when the copy could not be used: the caller then inserts those rows with ``ON CONFLICT``.
    """
    pending = [meanwhile] if meanwhile is not None else []

    def once() -> None:
        while pending:
            pending.pop()()

    if not accepted:
        once()
        return 0, []
    per_chunk: list[list[ReadingRow]] = []

    def flagged() -> Iterator[list[ReadingRow]]:
        for i in range(0, len(accepted), FILES_PER_CHUNK):
            chunk = accepted[i : i + FILES_PER_CHUNK]
            rows = checker.rows_of([(w.readings, w.outcome.file_id) for w in chunk])
            per_chunk.append(rows)
            yield rows

    chunks = flagged()
    copied = not any_stored(conn, _keys_in_hours(accepted, before)) and copy_new_readings(
        conn, chunks, once
    )
    for _ in chunks:  # QC the files the copy did not reach, in the same order
        pass
    once()
    if copied:
        return sum(map(len, per_chunk)), []
    return 0, [row for rows in per_chunk for row in rows]
