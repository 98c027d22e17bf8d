"""Ingest received files: archive, parse, QC, store, update derived tables, call hooks.

One database transaction covers a file (or a batch of files, for backfill speed): its readings,
its ``ingested_files`` row, the hourly means and latest values it touches all commit together
or not at all. Sources delete or move a remote file only after this returns, so a crash between
download and commit loses nothing: the file is still there at the next poll, and a file that
was committed but not yet removed is recognised by its hash and skipped.

The steps live in :mod:`~stations.ingest.prepare` (duplicates, archive, parse) and
:mod:`~stations.ingest.writer` (the store step); the types in :mod:`~stations.ingest.model`.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from stations.ingest.archive import quarantine
from stations.ingest.model import (
    AfterIngestHook,
    BatchResult,
    FileOutcome,
    IncomingFile,
    IngestOptions,
    file_key,
)
from stations.ingest.prepare import Work, recorded, select_work
from stations.ingest.writer import store_work
from stations.store.readings import tune_for_batch

log = logging.getLogger(__name__)

__all__ = [
    "AfterIngestHook",
    "BatchResult",
    "FileOutcome",
    "IncomingFile",
    "IngestOptions",
    "file_key",
    "ingest_batch",
    "ingest_file",
]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a batch runs.

    A batch allocates a few tuples per reading and frees them all at the end; the collector
    would otherwise walk them (and the rest of the heap) over and over, costing about a third
    of the batch's time. Reference counting still frees everything; the collector resumes after.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
        hooks: called once after commit as ``hook(engine, {station_id: (start, end)})``.
    """
    options = options or IngestOptions()
    try:
        with _collector_paused():
            outcomes = [FileOutcome(f.name, f.origin, file_key(f)) for f in files]
            with engine.begin() as conn:
                tune_for_batch(conn)
                # PostgreSQL parses each part of the batch while the server stores the previous one
                pg = conn.dialect.name == "postgresql"
                work = select_work(
                    conn, files, outcomes, sites, archive_dir, options, parse_now=not pg
                )
                stored, spans = (
                    store_work(conn, work, sites, now, options, parsed=not pg) if work else (0, {})
                )
                if options.on_record is not None and work:
                    options.on_record(conn, [recorded(w, now) for w in work])
            # Drop the parsed readings while the collector is still paused (it would otherwise
            # walk them all once it resumes); only the quarantined files are needed below.
            quarantined = [w for w in work if w.outcome.outcome == "quarantined"]
            del work
    except SQLAlchemyError:
        if len(files) == 1:
            raise
        log.warning("batch of %d files failed; retrying one by one", len(files), exc_info=True)
        return _one_by_one(engine, files, sites, now, archive_dir, options, hooks)
    _after_commit(engine, quarantined, options, spans, hooks)
    return BatchResult(outcomes, stored, spans)


def _after_commit(
    engine: Engine,
    quarantined: list[Work],
    options: IngestOptions,
    spans: dict[str, tuple[int, int]],
    hooks: Sequence[AfterIngestHook],
) -> None:
    for w in quarantined:
        log.warning("quarantined %s: %s", w.incoming.name[:120], w.outcome.reason)
        if options.quarantine_dir is not None:
            quarantine(
                options.quarantine_dir,
                w.outcome.sha256,
                w.incoming.name,
                w.incoming.data,
                w.outcome.reason or "",
            )
    if not spans:
        return
    for hook in hooks:
        try:
            hook(engine, spans)
        except Exception:  # one area's bug must not stop ingestion
            log.exception("after-ingest hook %r failed for %d stations", hook, len(spans))


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
