"""Quarantine you can act on: list, show and replay quarantined files (CLI and admin API).

Replay re-ingests the archived raw bytes of quarantined files under their original name and
origin, with today's registry and the options of the source they came from (the sources file;
a file loaded by ``quantrac ingest`` gets the default, tolerant options). Nothing is deleted:
the raw bytes stay in the archive, and each replay writes an audit entry (``quarantine.replay``)
with who replayed the file, its earlier reason and its new outcome. Replayed readings then go
through the same after-ingest chain as a backfill (:func:`service.worker.backfill.evaluate_spans`).
"""

from __future__ import annotations

import logging
from typing import Any

from rich.console import Console
from sqlalchemy import Engine

from service.settings import Settings
from service.sources_config import load_sources, parser_options
from service.worker.backfill import evaluate_spans
from stations.ingest.archive import archived_bytes
from stations.ingest.model import IncomingFile, IngestOptions
from stations.ingest.pipeline import ingest_batch
from stations.store.audit import record_audit
from stations.store.format_notes import source_of
from stations.store.quarantine import list_quarantined
from stations.store.readings import station_units
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
MAX_REPLAY = 10_000  # files per replay (bounded memory: a datalogger file is about 1 kB)


def as_dict(row: Any) -> dict[str, Any]:
    """JSON-ready form of a quarantined file's row."""
    out = dict(row._mapping)
    out.pop("archive_path", None)  # a server path, not for the API
    return out


def _source_options(settings: Settings) -> dict[str, IngestOptions]:
    """``{source id: ingest options}`` from the sources file (empty when unset or unreadable)."""
    if settings.sources_file is None:
        return {}
    try:
        sources = load_sources(settings.sources_file).sources
    except Exception as exc:  # e.g. a ${VAR} secret not set in this shell: use the defaults
        log.warning("replay: sources file not read (%s); default options used", exc)
        return {}
    qdir = settings.data_dir / "quarantine"
    return {
        s.id: IngestOptions(fmt=s.format, parser=parser_options(s), quarantine_dir=qdir)
        for s in sources
    }


def replay(
    settings: Settings,
    engine: Engine,
    *,
    actor: str,
    ids: list[int] | None = None,
    reason: str | None = None,
    station: str | None = None,
    since: int | None = None,
    notify: bool = False,
    console: Console | None = None,
) -> dict[str, Any]:
    """Replay the matching quarantined files; returns per-file outcomes and the evaluation."""
    with engine.connect() as conn:
        rows, total = list_quarantined(
            conn, reason=reason, station=station, since=since, ids=ids, limit=MAX_REPLAY
        )
        sites = station_units(conn)
    by_source = _source_options(settings)
    default = IngestOptions(quarantine_dir=settings.data_dir / "quarantine")
    groups: dict[str, list[tuple[Any, IncomingFile]]] = {}
    results: list[dict[str, Any]] = []
    for row in rows:
        try:
            data = archived_bytes(row.archive_path or "")
        except OSError as exc:
            results.append(
                {"id": row.id, "name": row.name, "outcome": "missing", "reason": str(exc)}
            )
            continue
        incoming = IncomingFile(row.name, data, row.origin, archived=row.archive_path)
        groups.setdefault(source_of(row.origin), []).append((row, incoming))
    spans: dict[str, tuple[int, int]] = {}
    now = now_epoch()
    for source, items in groups.items():
        options = by_source.get(source, default)
        batch = ingest_batch(
            engine,
            [f for _, f in items],
            sites=sites,
            now=now,
            archive_dir=settings.data_dir / "archive",
            options=options,
        )
        for station_id, (lo, hi) in batch.spans.items():
            a, b = spans.get(station_id, (lo, hi))
            spans[station_id] = (min(a, lo), max(b, hi))
        with engine.begin() as conn:
            for (row, _), outcome in zip(items, batch.files, strict=True):
                after = {
                    "outcome": outcome.outcome,
                    "reason": outcome.reason,
                    "readings": outcome.readings,
                    "file_id": outcome.file_id,
                    "notes": outcome.notes,
                }
                before = {k: getattr(row, k) for k in ("name", "origin", "reason", "received_at")}
                record_audit(
                    conn, actor, "quarantine.replay", f"file:{row.id}", before, after, at=now
                )
                results.append({"id": row.id, "name": row.name, **after})
    evaluation = (
        evaluate_spans(settings, engine, spans, notify=notify, console=console) if spans else None
    )
    return {"matched": total, "replayed": len(rows), "files": results, "evaluation": evaluation}
