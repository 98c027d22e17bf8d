"""Ingest received files: archive, parse, QC, store, update derived tables, call hooks.

One database transaction covers a file (or a batch of files, for backfill speed): its readings,
its ``ingested_files`` row, the hourly means and latest values it touches all commit together
or not at all. Sources delete or move a remote file only after this returns, so a crash between
download and commit loses nothing: the file is still there at the next poll, and a file that
was committed but not yet removed is recognised by its hash and skipped.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, delete
from sqlalchemy.exc import SQLAlchemyError

from stations.ingest.archive import archive_bytes, quarantine
from stations.parameters import catalogue
from stations.parsers import ParserOptions, Reading, parse
from stations.parsers.base import LineError
from stations.parsers.common import unsafe_name
from stations.qc import FUTURE_OR_OLD, QcConfig, QcState, apply_qc
from stations.store.readings import (
    history_before,
    insert_readings,
    known_hashes,
    record_files,
    refresh_hourly,
    upsert_latest,
)
from stations.store.schema import ingested_files

log = logging.getLogger(__name__)

AfterIngestHook = Callable[[Engine, str, int, int], object]
"""``hook(engine, station_id, start_epoch, end_epoch)``, called after commit."""


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A received file. ``name`` is untrusted; ``archived`` names raw bytes already kept
    elsewhere in the archive (a zip member: ``<zip archive path>#<member>``)."""

    name: str
    data: bytes
    origin: str
    archived: str | None = None


@dataclass(slots=True)
class FileOutcome:
    """What happened to one file: ``ok | partial | quarantined | duplicate``."""

    name: str
    origin: str
    sha256: str
    outcome: str = "ok"
    reason: str | None = None
    station_id: str | None = None
    readings: int = 0  # readings accepted from the file (stored unless already present)
    line_errors: list[LineError] = field(default_factory=list)
    file_id: int | None = None


@dataclass(slots=True)
class BatchResult:
    """Outcomes per file, readings newly stored, and the span stored per station."""

    files: list[FileOutcome]
    stored: int = 0
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """How a source's files are read. ``fsync`` makes archive writes durable before commit."""

    fmt: str = "tt10"
    parser: ParserOptions = field(default_factory=ParserOptions)
    qc: QcConfig = field(default_factory=QcConfig)
    quarantine_dir: Path | None = None
    fsync: bool = False


def file_key(f: IncomingFile) -> str:
    """The identity of a received file: sha256 of its name and bytes.

    The name is part of it because a Circular 10/2021 file carries its station only in the
    name: two stations can send byte-identical files (same values, same time). The archive
    itself is addressed by the content hash alone.
    """
    h = hashlib.sha256(f.name.encode("utf-8", "surrogateescape"))
    h.update(b"\x00")
    h.update(f.data)
    return h.hexdigest()


def _ranges() -> dict[str, tuple[float | None, float | None]]:
    return {c: (p.min_valid, p.max_valid) for c, p in catalogue().items()}


@dataclass(slots=True)
class _Work:
    outcome: FileOutcome
    incoming: IncomingFile
    readings: list[Reading]
    archive: str


def _prepare(
    f: IncomingFile, o: FileOutcome, sites: Mapping[str, Mapping[str, str]], options: IngestOptions
) -> list[Reading]:
    """Parse one file and decide its outcome (sets ``o``); returns the accepted readings."""
    reason = unsafe_name(f.name)
    readings: list[Reading] = []
    if reason is None:
        parsed = parse(f.data, f.name, options.fmt, options.parser)
        o.station_id = parsed.station_id
        o.line_errors = parsed.errors
        reason = parsed.fatal
        if reason is None:
            readings = [r for r in parsed.readings if r.station_id in sites]
            unknown = sorted({r.station_id for r in parsed.readings} - sites.keys())
            if not readings:
                reason = f"trạm không có trong danh mục / unknown station {', '.join(unknown)}"
            elif unknown:
                o.line_errors.append(LineError(0, f"unknown station(s) {unknown} skipped"))
    if reason is not None:
        o.outcome, o.reason = "quarantined", reason
        return []
    o.readings = len(readings)
    o.outcome = "partial" if o.line_errors else "ok"
    return readings


def _seed_state(conn: Connection, work: list[_Work], qc: QcConfig) -> QcState:
    state = QcState()
    first: dict[str, tuple[int, set[str]]] = {}
    for w in work:
        for r in w.readings:
            t, params = first.get(r.station_id, (r.observed_at, set()))
            params.add(r.parameter)
            first[r.station_id] = (min(t, r.observed_at), params)
    window = qc.flatline_n * 600  # covers cadences up to 10 minutes
    for station, (start, params) in first.items():
        state.seed(station, history_before(conn, station, params, start, window))
    return state


def _store(
    conn: Connection,
    work: list[_Work],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    options: IngestOptions,
) -> tuple[int, dict[str, tuple[int, int]]]:
    """Write files, readings and derived tables in the caller's transaction."""
    requeued = [w.outcome.sha256 for w in work if w.outcome.file_id is not None]
    if requeued:  # a quarantined file sent again (e.g. after its station was registered)
        conn.execute(delete(ingested_files).where(ingested_files.c.sha256.in_(requeued)))
    ids = record_files(
        conn,
        [
            {
                "sha256": w.outcome.sha256,
                "name": w.incoming.name[:500],
                "origin": w.incoming.origin[:1000],
                "station_id": (w.outcome.station_id or "")[:64] or None,
                "received_at": now,
                "size": len(w.incoming.data),
                "outcome": w.outcome.outcome,
                "reason": w.outcome.reason,
                "readings": w.outcome.readings,
                "line_errors": [e.as_dict() for e in w.outcome.line_errors[:200]],
                "archive_path": w.archive,
            }
            for w in work
        ],
    )
    accepted = [w for w in work if w.readings]
    # Time order per station makes flat-line/spike checks compare true neighbours.
    accepted.sort(key=lambda w: (w.readings[0].station_id, w.readings[0].observed_at))
    all_readings = [r for w in accepted for r in w.readings]
    state = _seed_state(conn, accepted, options.qc)
    flags = apply_qc(
        all_readings, units=sites, ranges=_ranges(), now=now, config=options.qc, state=state
    )
    rows = []
    i = 0
    for w in work:
        w.outcome.file_id = ids[w.outcome.sha256]
    for w in accepted:
        fid = w.outcome.file_id
        n = len(w.readings)
        rows.extend((*r, f, fid) for r, f in zip(w.readings, flags[i : i + n], strict=True))
        i += n
    stored = insert_readings(conn, rows)
    spans: dict[str, tuple[int, int]] = {}
    params: dict[str, set[str]] = {}
    latest: dict[tuple[str, str], tuple[str, str, int, float, str, str, int]] = {}
    for station, parameter, t, value, unit, status, f, _fid in rows:
        lo, hi = spans.get(station, (t, t))
        spans[station] = (min(lo, t), max(hi, t))
        params.setdefault(station, set()).add(parameter)
        if not f & FUTURE_OR_OLD:
            key = (station, parameter)
            cur = latest.get(key)
            if cur is None or t >= cur[2]:
                latest[key] = (station, parameter, t, value, unit, status, f)
    for station, (lo, hi) in spans.items():
        refresh_hourly(conn, station, params[station], lo, hi)
    upsert_latest(conn, list(latest.values()))
    return stored, spans


def ingest_batch(
    engine: Engine,
    files: Sequence[IncomingFile],
    *,
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    archive_dir: Path,
    options: IngestOptions | None = None,
    hooks: Sequence[AfterIngestHook] = (),
) -> BatchResult:
    """Ingest files in one transaction; on a database error, retry them one by one.

    Args:
        engine: the database.
        files: received files.
        sites: ``{station_id: {parameter: unit}}`` of registered stations.
        now: receiving time, UTC epoch seconds (QC's clock).
        archive_dir: root of the raw archive.
        options: format, parser variants, QC thresholds, quarantine folder.
        hooks: called after commit as ``hook(engine, station_id, start, end)``.
    """
    options = options or IngestOptions()
    outcomes = [FileOutcome(name=f.name, origin=f.origin, sha256=file_key(f)) for f in files]
    try:
        with engine.begin() as conn:
            work = _select_work(conn, files, outcomes, sites, archive_dir, options)
            stored, spans = _store(conn, work, sites, now, options) if work else (0, {})
    except SQLAlchemyError:
        if len(files) == 1:
            raise
        log.warning("batch of %d files failed; retrying one by one", len(files), exc_info=True)
        return _one_by_one(engine, files, sites, now, archive_dir, options, hooks)
    _after_commit(engine, work, options, spans, hooks)
    return BatchResult(outcomes, stored, spans)


def _select_work(
    conn: Connection,
    files: Sequence[IncomingFile],
    outcomes: list[FileOutcome],
    sites: Mapping[str, Mapping[str, str]],
    archive_dir: Path,
    options: IngestOptions,
) -> list[_Work]:
    known = known_hashes(conn, sorted({o.sha256 for o in outcomes}))
    seen: set[str] = set()
    work = []
    for f, o in zip(files, outcomes, strict=True):
        previous = known.get(o.sha256)
        if o.sha256 in seen or (previous is not None and previous[1] != "quarantined"):
            o.outcome, o.file_id = "duplicate", previous[0] if previous else None
            continue
        seen.add(o.sha256)
        readings = _prepare(f, o, sites, options)
        archived = f.archived or str(
            archive_bytes(
                archive_dir, hashlib.sha256(f.data).hexdigest(), f.data, fsync=options.fsync
            )
        )
        w = _Work(o, f, readings, archived)
        if previous is not None:
            o.file_id = previous[0]
        work.append(w)
    return work


def _after_commit(
    engine: Engine,
    work: list[_Work],
    options: IngestOptions,
    spans: dict[str, tuple[int, int]],
    hooks: Sequence[AfterIngestHook],
) -> None:
    for w in work:
        if w.outcome.outcome == "quarantined":
            log.warning("quarantined %s: %s", w.incoming.name[:120], w.outcome.reason)
            if options.quarantine_dir is not None:
                quarantine(
                    options.quarantine_dir,
                    w.outcome.sha256,
                    w.incoming.name,
                    w.incoming.data,
                    w.outcome.reason or "",
                )
    for station, (start, end) in spans.items():
        for hook in hooks:
            try:
                hook(engine, station, start, end)
            except Exception:  # one area's bug must not stop ingestion
                log.exception("after-ingest hook %r failed for %s", hook, station)


def _one_by_one(
    engine: Engine,
    files: Sequence[IncomingFile],
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    archive_dir: Path,
    options: IngestOptions,
    hooks: Sequence[AfterIngestHook],
) -> BatchResult:
    result = BatchResult([])
    for f in files:
        one = ingest_batch(
            engine, [f], sites=sites, now=now, archive_dir=archive_dir, options=options, hooks=hooks
        )
        result.files += one.files
        result.stored += one.stored
        for station, (lo, hi) in one.spans.items():
            a, b = result.spans.get(station, (lo, hi))
            result.spans[station] = (min(a, lo), max(b, hi))
    return result


def ingest_file(
    engine: Engine,
    name: str,
    data: bytes,
    origin: str,
    *,
    sites: Mapping[str, Mapping[str, str]],
    now: int,
    archive_dir: Path,
    options: IngestOptions | None = None,
    hooks: Sequence[AfterIngestHook] = (),
) -> FileOutcome:
    """Ingest one file in one transaction (the live path); see :func:`ingest_batch`."""
    result = ingest_batch(
        engine,
        [IncomingFile(name, data, origin)],
        sites=sites,
        now=now,
        archive_dir=archive_dir,
        options=options,
        hooks=hooks,
    )
    return result.files[0]
