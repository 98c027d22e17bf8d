"""The store step of one batch: file records, QC, readings, hourly means, latest values.

Everything runs in the caller's transaction. The per-reading work is the QC pass (which builds
the insert tuples and collects each hour's values) and the insert itself; spans come from the
per-file summaries of :mod:`stations.ingest.prepare`. Hourly means of hours that held no stored
reading before the batch are computed from the QC pass when every reading of the batch was new
(the usual backfill and the first file of an hour); the other hours, and every hour of a batch
with duplicate readings, are recomputed from storage with one set-based statement. Latest
values take one set-based statement per batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, delete

from stations.ingest.model import IngestOptions
from stations.ingest.pg_stream import stream_readings
from stations.ingest.prepare import Work
from stations.parameters import catalogue
from stations.qc import HourKey, QcChecker, QcConfig, QcState
from stations.store.conflicts import record_conflicts
from stations.store.pg_ingest import copy_files, copy_new_hourly
from stations.store.readings import (
    history_before,
    insert_readings,
    record_files,
    refresh_hourly,
    refresh_latest,
    stored_hours,
    write_hourly,
)
from stations.store.schema import ingested_files

Span = tuple[int, int]
_FIRST = attrgetter("first")


def qc_ranges() -> dict[str, tuple[float | None, float | None]]:
    return {c: (p.min_valid, p.max_valid) for c, p in catalogue().items()}


def file_row(w: Work, now: int) -> tuple[object, ...]:
    o, f = w.outcome, w.incoming
    errors = (
        json.dumps([e.as_dict() for e in o.line_errors[:200]], ensure_ascii=False)
        if o.line_errors
        else "[]"
    )
    return (
        o.sha256,
        f.name[:500],
        f.origin[:1000],
        (o.station_id or "")[:64] or None,
        now,
        len(f.data),
        o.outcome,
        o.reason,
        o.readings,
        errors,
        w.archive,
        "; ".join(o.notes) or None,
    )


def seed_from_history(
    conn: Connection, state: QcState, firsts: Iterable[tuple[str, str, int]], qc: QcConfig
) -> None:
    """Seed ``state`` (flat-line/spike memory) with the readings stored just before each
    ``(station, parameter, lo)``, ``lo`` the station's earliest time in the batch; one
    statement for them all."""
    window = qc.flatline_n * 600  # covers cadences up to 10 minutes
    rows = history_before(conn, [(s, p, lo - window, lo) for s, p, lo in firsts])
    state.seed(rows)


def seed_state(conn: Connection, keys: list[tuple[str, str, int, int]], qc: QcConfig) -> QcState:
    """Flat-line/spike memory from the readings stored just before each station's batch
    (``keys``: the batch's ``(station, parameter, lo, hi)``, ``lo`` the station's earliest)."""
    state = QcState()
    seed_from_history(conn, state, [(s, p, lo) for s, p, lo, _hi in keys], qc)
    return state


def batch_spans(
    accepted: list[Work],
) -> tuple[list[tuple[str, str, int, int]], dict[str, Span]]:
    """``(station, parameter, lo, hi)`` keys and the per-station spans of the batch."""
    spans: dict[str, Span] = {}
    params: dict[str, set[str]] = {}
    for w in accepted:
        first, last = w.first, w.last
        for s in w.stations:
            span = spans.get(s)
            if span is None:
                spans[s] = (first, last)
                params[s] = set(w.parameters)
                continue
            if first < span[0] or last > span[1]:  # files usually come in time order
                spans[s] = (min(span[0], first), max(span[1], last))
            params[s].update(w.parameters)
    keys = [(s, p, *spans[s]) for s, ps in params.items() for p in ps]
    return keys, spans


def hourly_rows(
    hours: dict[HourKey, list[Any]],
    skip: set[HourKey],
    units: Mapping[str, Mapping[str, str]],
) -> list[tuple[Any, ...]]:
    """Hourly-means rows (``HOURLY_COLUMNS`` order) from :attr:`QcChecker.hours`, but for the
    hours in ``skip``; ``units`` are the stations' configured units (those of valid readings).
    """
    out = []
    for key, (values, n_invalid, invalid_unit) in hours.items():
        if key in skip:
            continue
        n = len(values)
        if n:
            unit = units[key[0]][key[1]]
            out.append((*key, sum(values) / n, min(values), max(values), n, n + n_invalid, unit))
        else:
            out.append((*key, None, None, None, 0, n_invalid, invalid_unit))
    return out


def forget_requeued(conn: Connection, work: list[Work]) -> None:
    """Delete the records of quarantined files sent again (e.g. after their station was
    registered): they are recorded anew."""
    requeued = [w.outcome.file_id for w in work if w.outcome.file_id is not None]
    if requeued:
        conn.execute(delete(ingested_files).where(ingested_files.c.id.in_(requeued)))


def record_work(conn: Connection, work: list[Work], now: int) -> None:
    """Insert the files' ``ingested_files`` rows and set each outcome's ``file_id``."""
    pg = conn.dialect.name == "postgresql"
    ids = (copy_files if pg else record_files)(conn, [file_row(w, now) for w in work])
    for w, file_id in zip(work, ids, strict=True):
        w.outcome.file_id = file_id


def accepted_in(work: list[Work]) -> list[Work]:
    """The files with readings, in QC's order: time order per station makes flat-line and
    spike checks compare true neighbours. The order of a sort by ``(min(w.stations),
    w.first)``, reached by grouping per station: a batch's files come in time order, so each
    group is sorted already."""
    by_station: dict[str, list[Work]] = {}
    for w in work:
        if w.readings:
            station = min(w.stations)
            group = by_station.get(station)
            if group is None:
                by_station[station] = [w]
            else:
                group.append(w)
    out: list[Work] = []
    for station in sorted(by_station):
        group = by_station[station]
        group.sort(key=_FIRST)  # stable, as the sort by both keys
        out += group
    return out


def store_work(
    conn: Connection,
    work: list[Work],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    options: IngestOptions,
    *,
    parsed: bool = True,
) -> tuple[int, dict[str, Span]]:
    """Write files, readings and derived tables in the caller's transaction.

    Returns the number of readings newly stored and the span stored per station. ``parsed``
    False: the files are not parsed yet (PostgreSQL parses them part by part as it stores).
    """
    if not parsed:
        from stations.ingest.pg_batches import store_streamed

        return store_streamed(conn, work, sites, now, options)
    forget_requeued(conn, work)
    record_work(conn, work, now)
    accepted = accepted_in(work)
    keys, spans = batch_spans(accepted)
    checker = QcChecker(
        units=sites,
        ranges=qc_ranges(),
        now=now,
        config=options.qc,
        state=seed_state(conn, keys, options.qc),
    )
    # An hour with no reading stored before this batch, whose readings were all new, holds
    # exactly the batch's readings: its mean is computed here. Other hours are recomputed
    # from storage (first value wins on duplicates, earlier files count).
    before = stored_hours(conn, keys) if accepted else set()
    stored, total = store_rows(conn, checker, accepted, before, now)
    write_hours(conn, checker.hours, before, sites, all_new=stored == total)
    refresh_latest(conn, keys)
    return stored, spans


def store_rows(
    conn: Connection,
    checker: QcChecker,
    accepted: list[Work],
    before: set[HourKey],
    now: int,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[int, int]:
    """QC ``accepted`` (sorted) with ``checker``, store the readings and record conflicts;
    returns the readings newly stored and the readings flagged. ``before``: hours of the
    files' spans holding stored readings (PostgreSQL looks up the keys in them first).
    PostgreSQL calls ``meanwhile`` while the server is still storing the rows sent (the next
    part of the batch is parsed then)."""
    if conn.dialect.name == "postgresql":  # readings stream in while QC runs
        stored, rows = stream_readings(conn, checker, accepted, before, meanwhile)
        if not rows:
            return stored, stored
        stored = insert_readings(conn, rows)  # some key was stored already or repeats
    else:
        rows = checker.rows_of([(w.readings, w.outcome.file_id) for w in accepted], by_series=True)
        stored = insert_readings(conn, rows)
    if stored < len(rows):  # some keys were stored before: a resent value may disagree
        record_conflicts(conn, rows, now)
    return stored, len(rows)


def write_hours(
    conn: Connection,
    hours: dict[HourKey, list[Any]],
    before: set[HourKey],
    sites: Mapping[str, Mapping[str, str]],
    *,
    all_new: bool,
    new_rows: list[tuple[Any, ...]] | None = None,
) -> None:
    """Hourly means of the hours QC saw: computed from QC's values for hours that held no
    stored reading (``before``) when every reading was new, from storage otherwise.
    ``new_rows``: those computed rows, if the caller built them already (:func:`hourly_rows`)."""
    if all_new:
        new_hours = hourly_rows(hours, before, sites) if new_rows is None else new_rows
        if not (conn.dialect.name == "postgresql" and copy_new_hourly(conn, new_hours)):
            write_hourly(conn, new_hours)
        refresh_hourly(conn, [k for k in hours if k in before])
    else:
        refresh_hourly(conn, list(hours))
