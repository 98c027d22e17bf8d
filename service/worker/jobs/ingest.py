"""Polling jobs: one APScheduler job per configured source (interval, timeout, retries).

Each poll lists the source, ingests its files in batches of ``batch_files`` (one transaction
per batch; a failed batch is retried file by file), then (and only then) moves or deletes them
at the source, and runs the runtime's after-ingest chain once per batch (compliance, layers,
then alerts: :mod:`service.worker.after_ingest`). The last outcome of each source is kept in
``Runtime.source_status`` for monitoring; it never holds credentials.
"""

from __future__ import annotations

import ftplib
import logging
from datetime import UTC, datetime

import httpx
from apscheduler.schedulers.base import BaseScheduler

from service.forwarding import forwarding_for
from service.runtime import Runtime, SourceStatus
from service.sources_config import SourceConfig, build_source, load_sources, parser_options
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.sources.base import Fetched, PollResult, poll, with_retries
from stations.store.readings import station_units
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
RETRY_ON = (OSError, EOFError, ftplib.Error, httpx.HTTPError)
# A poll takes everything listed (up to this many): with a smaller cap, a backlog is taken
# in name order and the stations whose codes sort last would wait for it to clear.
MAX_FILES_PER_POLL = 20_000


def poll_source(ctx: Runtime, cfg: SourceConfig) -> PollResult:
    """Poll one source now (the job body; also called directly by tests and the CLI)."""
    source = build_source(cfg)
    data_dir = ctx.settings.data_dir
    options = IngestOptions(
        fmt=cfg.format,
        parser=parser_options(cfg),
        quarantine_dir=data_dir / "quarantine",
        fsync=True,  # the source deletes its copy after commit: the archive must be on disk
        on_record=forwarding_for(ctx).on_record(),  # queued for forwarding in the same commit
    )
    sites: dict[str, dict[str, str]] = {}

    def handle(batch: list[Fetched]) -> None:
        if not sites:
            with ctx.engine.connect() as conn:
                sites.update(station_units(conn))
        result = ingest_batch(
            ctx.engine,
            [IncomingFile(f.name, data, f"{cfg.id}:{f.path}") for f, data in batch],
            sites=sites,
            now=now_epoch(),
            archive_dir=data_dir / "archive",
            options=options,
            hooks=[ctx.ingest_hook],
        )
        for (f, _), outcome in zip(batch, result.files, strict=True):
            log.info(
                "source %s: %s -> %s (%d readings)",
                cfg.id,
                f.path,
                outcome.outcome,
                outcome.readings,
            )

    status = ctx.source_status
    try:
        result = with_retries(
            lambda: poll(
                source, handle, max_files=MAX_FILES_PER_POLL, batch_files=cfg.batch_files or 1
            ),
            retries=cfg.retries or 0,
            backoff_s=cfg.backoff_seconds or 0,
            retry_on=RETRY_ON,
            label=f"poll {cfg.id}",
        )
    except RETRY_ON as exc:
        status[cfg.id] = SourceStatus(ok=False, at=now_epoch(), error=type(exc).__name__)
        log.error("source %s: poll failed after retries: %s", cfg.id, type(exc).__name__)
        raise
    status[cfg.id] = SourceStatus(
        ok=True, at=now_epoch(), files=result.finished, failed=len(result.failed)
    )
    return result


def register(scheduler: BaseScheduler, ctx: Runtime) -> None:
    """Add one ``poll:<source id>`` job per source of ``settings.sources_file``."""
    path = ctx.settings.sources_file
    if path is None:
        log.info("no sources file (QUANTRAC_SOURCES_FILE): nothing to poll")
        return
    config = load_sources(path)
    for cfg in config.sources:
        interval = cfg.interval_seconds or 60
        scheduler.add_job(
            poll_source,
            "interval",
            seconds=interval,
            id=f"poll:{cfg.id}",
            name=f"poll {cfg.type} source {cfg.id}",
            kwargs={"ctx": ctx, "cfg": cfg},
            replace_existing=True,
            max_instances=1,  # a slow poll is never overlapped by the next one
            coalesce=True,
            misfire_grace_time=max(1, int(interval)),
            next_run_time=datetime.now(UTC),  # first poll right at start-up
        )
