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
from collections.abc import Mapping
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, delete

from stations.ingest.model import IngestOptions
from stations.ingest.prepare import Work
from stations.parameters import catalogue
from stations.qc import HourKey, QcChecker, QcConfig, QcState
from stations.store.conflicts import record_conflicts
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


def _ranges() -> dict[str, tuple[float | None, float | None]]:
    return {c: (p.min_valid, p.max_valid) for c, p in catalogue().items()}


def _file_row(w: Work, now: int) -> tuple[object, ...]:
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


def seed_state(conn: Connection, keys: list[tuple[str, str, int, int]], qc: QcConfig) -> QcState:
    """Flat-line/spike memory from the readings stored just before each station's batch
    (``keys``: the batch's ``(station, parameter, lo, hi)``, ``lo`` the station's earliest)."""
    state = QcState()
    window = qc.flatline_n * 600  # covers cadences up to 10 minutes
    rows = history_before(conn, [(s, p, lo - window, lo) for s, p, lo, _hi in keys])
    for station, group in groupby(rows, key=itemgetter(0)):
        state.seed(station, (r[1:] for r in group))
    return state


def _spans(
    accepted: list[Work],
) -> tuple[list[tuple[str, str, int, int]], dict[str, Span]]:
    """``(station, parameter, lo, hi)`` keys and the per-station spans of the batch."""
    spans: dict[str, Span] = {}
    params: dict[str, set[str]] = {}
    for w in accepted:
        first, last = w.first, w.last
        for s in w.stations:
            lo, hi = spans.get(s, (first, last))
            spans[s] = (min(lo, first), max(hi, last))
            params.setdefault(s, set()).update(w.parameters)
    keys = [(s, p, *spans[s]) for s, ps in params.items() for p in ps]
    return keys, spans


def _hourly_rows(
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


def _distinct_keys(rows: list[Any]) -> bool:
    """No (station, parameter, observed_at) key repeats within the batch."""
    return len({r[:3] for r in rows}) == len(rows)


def store_work(
    conn: Connection,
    work: list[Work],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    options: IngestOptions,
) -> tuple[int, dict[str, Span]]:
    """Write files, readings and derived tables in the caller's transaction.

    Returns the number of readings newly stored and the span stored per station.
    """
    requeued = [w.outcome.file_id for w in work if w.outcome.file_id is not None]
    if requeued:  # a quarantined file sent again (e.g. after its station was registered)
        conn.execute(delete(ingested_files).where(ingested_files.c.id.in_(requeued)))
    ids = record_files(conn, [_file_row(w, now) for w in work])
    for w, file_id in zip(work, ids, strict=True):
        w.outcome.file_id = file_id
    accepted = [w for w in work if w.readings]
    # Time order per station makes flat-line/spike checks compare true neighbours.
    accepted.sort(key=lambda w: (min(w.stations), w.first))
    keys, spans = _spans(accepted)
    checker = QcChecker(
        units=sites,
        ranges=_ranges(),
        now=now,
        config=options.qc,
        state=seed_state(conn, keys, options.qc),
    )
    rows = checker.rows_of([(w.readings, w.outcome.file_id) for w in accepted])
    # An hour with no reading stored before this batch, whose readings were all new, holds
    # exactly the batch's readings: its mean is computed here. Other hours are recomputed
    # from storage (first value wins on duplicates, earlier files count).
    before = stored_hours(conn, keys) if rows else set()
    # PostgreSQL copies a batch of new keys straight in (SQLite's insert costs the same either way)
    copy_in = conn.dialect.name == "postgresql" and not before and _distinct_keys(rows)
    stored = insert_readings(conn, rows, all_new=copy_in)
    if stored < len(rows):  # some keys were stored before: a resent value may disagree
        record_conflicts(conn, rows, now)
    hours = checker.hours
    if stored == len(rows):
        write_hourly(conn, _hourly_rows(hours, before, sites))
        refresh_hourly(conn, [k for k in hours if k in before])
    else:
        refresh_hourly(conn, list(hours))
    refresh_latest(conn, keys)
    return stored, spans
