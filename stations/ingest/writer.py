"""The store step of one batch: file records, QC, readings, hourly means, latest values.

Everything runs in the caller's transaction. The per-reading work is the QC pass (which builds
the insert tuples) and the insert itself; spans and the keys of the derived tables come from
the per-file summaries of :mod:`stations.ingest.prepare`, and each derived table is refreshed
with one set-based statement per batch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlalchemy import Connection, delete

from stations.ingest.model import IngestOptions
from stations.ingest.prepare import Work
from stations.parameters import catalogue
from stations.qc import QcChecker, QcConfig, QcState, ReadingRow
from stations.store.readings import (
    history_before,
    insert_readings,
    record_files,
    refresh_hourly,
    refresh_latest,
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
    )


def seed_state(conn: Connection, accepted: list[Work], qc: QcConfig) -> QcState:
    """Flat-line/spike memory from the readings stored just before each station's batch."""
    state = QcState()
    first: dict[str, tuple[int, set[str]]] = {}
    for w in accepted:
        for station in w.stations:
            t, params = first.get(station, (w.first, set()))
            params |= w.parameters
            first[station] = (min(t, w.first), params)
    window = qc.flatline_n * 600  # covers cadences up to 10 minutes
    for station, (start, params) in first.items():
        state.seed(station, history_before(conn, station, params, start, window))
    return state


def _derived_keys(
    accepted: list[Work], rows: list[ReadingRow]
) -> tuple[set[tuple[str, str, int]], list[tuple[str, str, int, int]], dict[str, Span]]:
    """Hour keys, (station, parameter, lo, hi) spans and the per-station spans of the batch."""
    hours: set[tuple[str, str, int]] = set()
    many_times = False
    spans: dict[str, Span] = {}
    params: dict[str, set[str]] = {}
    for w in accepted:
        first, last = w.first, w.last
        if len(w.times) == 1:  # the usual file: one stamp
            hour = first - first % 3600
            hours.update([(s, p, hour) for s in w.stations for p in w.parameters])
        else:
            many_times = True
        for s in w.stations:
            lo, hi = spans.get(s, (first, last))
            spans[s] = (min(lo, first), max(hi, last))
            params.setdefault(s, set()).update(w.parameters)
    if many_times:
        hours.update({(r[0], r[1], r[2] - r[2] % 3600) for r in rows})
    keys = [(s, p, *spans[s]) for s, ps in params.items() for p in ps]
    return hours, keys, spans


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
    requeued = [w.outcome.sha256 for w in work if w.outcome.file_id is not None]
    if requeued:  # a quarantined file sent again (e.g. after its station was registered)
        conn.execute(delete(ingested_files).where(ingested_files.c.sha256.in_(requeued)))
    ids = record_files(conn, [_file_row(w, now) for w in work])
    for w, file_id in zip(work, ids, strict=True):
        w.outcome.file_id = file_id
    accepted = [w for w in work if w.readings]
    # Time order per station makes flat-line/spike checks compare true neighbours.
    accepted.sort(key=lambda w: (min(w.stations), w.first))
    checker = QcChecker(
        units=sites,
        ranges=_ranges(),
        now=now,
        config=options.qc,
        state=seed_state(conn, accepted, options.qc),
    )
    rows: list[ReadingRow] = []
    for w in accepted:
        rows += checker.rows(w.readings, w.outcome.file_id)
    stored = insert_readings(conn, rows)
    hours, keys, spans = _derived_keys(accepted, rows)
    refresh_hourly(conn, hours)
    refresh_latest(conn, keys)
    return stored, spans
