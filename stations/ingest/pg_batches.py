"""PostgreSQL: store a batch in parts, parsing each part while the server stores the last.

The client parses and flags, the server inserts and checks keys, each on its own core. A batch
is stored in parts of :data:`SUB_BATCH` files within its one transaction: while the server
still checks the foreign keys of one part's readings (when its ``COPY`` ends), the client
parses the next and builds its file records. The result is exactly what
:func:`~stations.ingest.writer.store_work` gives for the whole batch, because a part is only
stored this way when it continues every station of the earlier parts in time (QC then sees
each station's readings in the same order, seeded from the same stored history). Otherwise
(a station's earlier files arrive in a later part, or a file holds several stations) the parts
stored so far are undone to a savepoint and the whole batch takes ``store_work``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection

from stations.ingest.model import IngestOptions
from stations.ingest.prepare import Work, prepare
from stations.ingest.writer import (
    Span,
    accepted_in,
    batch_spans,
    file_row,
    forget_requeued,
    hourly_rows,
    qc_ranges,
    seed_from_history,
    store_rows,
    store_work,
    write_hours,
)
from stations.qc import HourKey, QcChecker, QcState
from stations.store.pg_ingest import copy_files, reserve_file_ids
from stations.store.readings import _cursor, refresh_latest, stored_hours

_T = TypeVar("_T")
_Parsed = tuple[list[tuple[object, ...]], list[Work], bool, list[tuple[str, str, int, int]]]
"""A part ready to store: its file records, its files with readings (in QC's order), whether
they continue every station in time, and their (station, parameter, lo, hi) keys."""

SUB_BATCH = 600
"""Files per part: the server stores a part while the client parses the next one; fewer,
larger parts send fewer statements."""
FIRST_PART = 200
"""Files in the first part, whose parsing nothing overlaps: small, so the server starts soon
(200 + 3 × 600: a backfill batch of 2,000 files in four parts)."""


def _parts(work: list[_T]) -> list[list[_T]]:
    first = min(FIRST_PART, SUB_BATCH)
    rest = range(first, len(work), SUB_BATCH)
    return [work[:first]] + [work[i : i + SUB_BATCH] for i in rest]


class _Order:
    """Per station: the earliest file time of the batch and the latest file start so far."""

    def __init__(self) -> None:
        self.lo: dict[str, int] = {}
        self.last_start: dict[str, int] = {}

    def continues(self, accepted: list[Work]) -> bool:
        """Whether ``accepted`` (one part, sorted) keeps every station's files in time order
        after the earlier parts (single-station files only); records them if so."""
        for w in accepted:
            if len(w.stations) != 1:
                return False
            (s,) = w.stations
            if w.first < self.last_start.get(s, w.first):
                return False
        for w in accepted:
            (s,) = w.stations
            self.lo.setdefault(s, w.first)
            self.last_start[s] = w.first
        return True


def store_streamed(
    conn: Connection,
    work: list[Work],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    options: IngestOptions,
) -> tuple[int, dict[str, Span]]:
    """:func:`~stations.ingest.writer.store_work` for ``work`` not parsed yet, part by part."""
    forget_requeued(conn, work)
    # The batch's file ids in one round trip: a part's file records are then built while
    # the server stores the part before, and copied in one statement.
    ids = reserve_file_ids(conn, len(work))
    for w, file_id in zip(work, ids, strict=True):
        w.outcome.file_id = file_id

    state, order, seeded = QcState(), _Order(), set[tuple[str, str]]()

    def parsed(files: list[Work]) -> _Parsed:
        """Everything a part needs from the client before the server stores it."""
        for w in files:
            prepare(w, sites, options)
        accepted = accepted_in(files)
        in_order = order.continues(accepted)
        return [file_row(w, now) for w in files], accepted, in_order, batch_spans(accepted)[0]

    parts = _parts(work)
    ready = parsed(parts[0])
    cur = _cursor(conn)
    cur.execute("SAVEPOINT whole_batch")
    # One checker for the whole batch: each (station, parameter) is seeded before QC first
    # meets it, and the hours it collects are written once, at the end, as store_work does.
    checker = QcChecker(units=sites, ranges=qc_ranges(), now=now, config=options.qc, state=state)
    before: set[HourKey] = set()  # hours holding a reading stored before this batch
    created: set[HourKey] = set()  # hours whose first stored reading came from this batch
    stored = total = 0
    # Built while the server ends the last part's copy (here if it was not called):
    spans: tuple[list[tuple[str, str, int, int]], dict[str, Span]] | None = None
    new_hours: list[tuple[Any, ...]] | None = None
    for k, part_ids in enumerate(_parts(ids)):
        records, accepted, in_order, keys = ready
        copy_files(conn, records, part_ids)
        if not in_order:
            return _whole(conn, work, parts[k + 1 :], sites, now, options)
        # Flat-line/spike memory of the series new to the batch: the readings stored before
        # their station's first file in the batch.
        new = [(s, p, order.lo[s]) for s, p, *_ in keys if (s, p) not in seeded]
        seeded.update((s, p) for s, p, _lo in new)
        seed_from_history(conn, state, new, options.qc)
        held = stored_hours(conn, keys) if accepted else set()
        before |= held - created
        following = parts[k + 1] if k + 1 < len(parts) else []

        def parse_next(files: list[Work] = following, prior: set[HourKey] = before) -> None:
            nonlocal ready, spans, new_hours
            if files:
                ready = parsed(files)
            else:  # the last part, QC'd: the batch's spans and new hours' means
                spans = batch_spans([w for w in work if w.readings])
                new_hours = hourly_rows(checker.hours, prior, sites)

        seen = set(checker.hours)
        # Only keys in hours stored before the batch are looked up ahead of the copy; a key
        # repeating one of an earlier part (rare) makes the primary key refuse the copy.
        fresh = held - created
        n_stored, n_rows = store_rows(conn, checker, accepted, fresh, now, parse_next)
        stored, total = stored + n_stored, total + n_rows
        created |= set(checker.hours) - seen - before
    write_hours(conn, checker.hours, before, sites, all_new=stored == total, new_rows=new_hours)
    cur.execute("RELEASE SAVEPOINT whole_batch")
    keys, by_station = spans or batch_spans([w for w in work if w.readings])
    refresh_latest(conn, keys)
    return stored, by_station


def _whole(
    conn: Connection,
    work: list[Work],
    unparsed: list[list[Work]],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    options: IngestOptions,
) -> tuple[int, dict[str, Span]]:
    """Undo the parts stored and store the whole batch at once."""
    _cursor(conn).execute("ROLLBACK TO SAVEPOINT whole_batch")
    for part in unparsed:
        for w in part:
            prepare(w, sites, options)
    for w in work:
        w.outcome.file_id = None  # recorded again (requeued files were forgotten already)
    return store_work(conn, work, sites, now, options)
