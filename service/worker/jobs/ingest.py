"""Polling jobs: one APScheduler job per configured source (interval, timeout, retries).

Each poll lists the source, ingests its files in batches of ``batch_files`` (one transaction
per batch; a failed batch is retried file by file), then (and only then) moves or deletes them
at the source. A poll that finds more files waiting than ``batch_files`` (a backlog) drains
them in the backfill's larger batches (:mod:`stations.ingest.batching`), each also closed once
its fetching has taken ``BACKLOG_FETCH_S``: the fixed cost of a transaction (archive fsync,
hourly means, latest values, QC history) is then paid per thousands of files.
The runtime's after-ingest chain (compliance, layers, then alerts:
:mod:`service.worker.after_ingest`) runs over the stations of the batches committed since it
last ran: at the end of the poll, or during a long poll once ``CHAIN_EVERY_S`` have passed. Its
cost per run is partly fixed (one alert pass, one transaction), so a poll that is behind
pays it once for many batches instead of once per batch and catches up (issue 20: on
PostGIS with 2,000 stations, one chain per batch made the lag climb). The last outcome of
each source is kept in ``Runtime.source_status`` for monitoring; it never holds credentials.
"""

from __future__ import annotations

import ftplib
import logging
import time
from collections import Counter
from datetime import UTC, datetime

import httpx
from apscheduler.schedulers.base import BaseScheduler

from service.forwarding import forwarding_for
from service.runtime import Runtime, SourceStatus
from service.sources_config import SourceConfig, build_source, load_sources, parser_options
from service.worker.jobs.chain_pacing import ChainPacer
from service.worker.jobs.poll_timing import PollTiming
from stations.ingest.batching import BATCH_FILES, MAX_BATCH_BYTES
from stations.ingest.model import BatchResult
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.sources.base import Backlog, Fetched, PollResult, Source, poll, with_retries
from stations.store.readings import station_units
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
RETRY_ON = (OSError, EOFError, ftplib.Error, httpx.HTTPError)
# A poll takes everything listed (up to this many): with a smaller cap, a backlog is taken
# in name order and the stations whose codes sort last would wait for it to clear.
MAX_FILES_PER_POLL = 20_000
# During a long poll (a backlog) the chain still runs this often, so alerts are not held back
# until the whole backlog is stored.
CHAIN_EVERY_S = 5.0
# A backlog batch is committed once fetching it has taken this long (a slow FTP server): its
# files are not held in memory, nor its readings kept from the chain, for longer.
BACKLOG_FETCH_S = 5.0


_ROUTINE = frozenset({"ok", "duplicate"})  # outcomes logged one by one only at DEBUG


def log_batch(source_id: str, paths: list[str], result: BatchResult) -> None:
    """One line per committed batch, and one per file that needs a look (partly or wholly
    rejected); every file at DEBUG. Each file's outcome is recorded in ``ingested_files``
    anyway: a line per file took 11–20 % of a backlog's time (issue 20) and buried the few
    that matter among thousands that do not."""
    counts = Counter(o.outcome for o in result.files)
    log.info(
        "source %s: %d files committed (%s); %d readings stored",
        source_id,
        len(paths),
        ", ".join(f"{outcome} {n}" for outcome, n in sorted(counts.items())),
        result.stored,
    )
    if counts.keys() <= _ROUTINE and not log.isEnabledFor(logging.DEBUG):
        return
    for path, o in zip(paths, result.files, strict=True):
        level = logging.DEBUG if o.outcome in _ROUTINE else logging.INFO
        log.log(level, "source %s: %s -> %s (%d readings)", source_id, path, o.outcome, o.readings)


def poll_source(
    ctx: Runtime,
    cfg: SourceConfig,
    *,
    source: Source | None = None,
    timing: PollTiming | None = None,
) -> PollResult:
    """Poll one source now (the job body; also called directly by tests and the CLI).

    ``source`` replaces the one ``cfg`` builds and ``timing`` collects where the time went
    (the live benchmark passes both, so that it runs this very code)."""
    source = source if source is not None else build_source(cfg)
    data_dir = ctx.settings.data_dir
    options = IngestOptions(
        fmt=cfg.format,
        parser=parser_options(cfg),
        quarantine_dir=data_dir / "quarantine",
        fsync=True,  # the source deletes its copy after commit: the archive must be on disk
        on_record=forwarding_for(ctx).on_record(),  # queued for forwarding in the same commit
    )
    sites: dict[str, dict[str, str]] = {}
    timing = timing if timing is not None else PollTiming()
    pacer = ChainPacer(lambda spans: ctx.after_ingest(spans, timings=timing.steps), CHAIN_EVERY_S)

    def handle(batch: list[Fetched]) -> None:
        if not sites:
            with ctx.engine.connect() as conn:
                sites.update(station_units(conn))
        started = time.perf_counter()
        result = ingest_batch(
            ctx.engine,
            [IncomingFile(f.name, data, f"{cfg.id}:{f.path}") for f, data in batch],
            sites=sites,
            now=now_epoch(),
            archive_dir=data_dir / "archive",
            options=options,
        )
        timing.store_s += time.perf_counter() - started
        timing.batches += 1
        log_batch(cfg.id, [f.path for f, _ in batch], result)
        pacer.committed(result.spans)

    status = ctx.source_status
    started = time.perf_counter()
    try:
        result = with_retries(
            lambda: poll(
                source,
                handle,
                max_files=MAX_FILES_PER_POLL,
                batch_files=cfg.batch_files or 1,
                backlog=Backlog(BATCH_FILES, MAX_BATCH_BYTES, BACKLOG_FETCH_S),
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
    finally:
        pacer.run_now()  # what was committed goes through the chain even if the poll failed
        timing.chains += pacer.runs  # (a timing passed in may span several polls)
        timing.total_s += time.perf_counter() - started
    status[cfg.id] = SourceStatus(
        ok=True, at=now_epoch(), files=result.finished, failed=len(result.failed)
    )
    if result.fetched:
        log.info("source %s: poll %s", cfg.id, timing.summary(result.listed, result.fetched))
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
