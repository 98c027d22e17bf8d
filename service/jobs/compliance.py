"""Compliance jobs: evaluate each ingested file's window, and a periodic catch-up.

The ingestion pipeline calls every hook in ``ctx.extras["after_ingest"]`` after a batch of files
commits; ours re-derives the episodes and AQI of each station the batch touched (a few
milliseconds each).
The catch-up re-evaluates the last hours of every station, so a missed hook or a reading that
arrived late is picked up within the interval.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from service.context import AppContext
from service.settings import Settings
from stations.compliance.engine import EngineOptions, after_ingest, recompute
from stations.ingest.model import Spans
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
CATCH_UP_MINUTES = 15
CATCH_UP_HOURS = 6


def engine_options(settings: Settings) -> EngineOptions:
    """Engine options from settings (defaults until the settings fields exist)."""
    return EngineOptions(
        near_fraction=settings.compliance_near_fraction,
        hysteresis=settings.compliance_hysteresis,
        o2_constant=settings.compliance_o2_constant,
    )


def make_hook(options: EngineOptions):  # type: ignore[no-untyped-def]
    """The after-ingest hook: ``hook(engine, {station_id: (start_epoch, end_epoch)})``."""

    def compliance_after_ingest(engine: Engine, spans: Spans) -> None:
        now = now_epoch()
        for station_id, (start, end) in spans.items():
            try:
                after_ingest(engine, station_id, start, end, now, options)
            except Exception:  # one station's failure must not stop the others; catch-up retries
                log.exception("compliance evaluation failed for %s", station_id)

    return compliance_after_ingest


def catch_up(ctx: AppContext) -> None:
    """Re-evaluate the last hours of every station (idempotent)."""
    now = now_epoch()
    stats = recompute(
        ctx.engine, now - CATCH_UP_HOURS * 3600, now, now, options=engine_options(ctx.settings)
    )
    if stats.episodes.changed:
        log.info("compliance catch-up: %s", stats.episodes)


def register(scheduler: BaseScheduler, ctx: AppContext) -> None:
    """Add the after-ingest hook and the catch-up job."""
    hooks = ctx.extras.setdefault("after_ingest", [])
    if not any(getattr(h, "__name__", "") == "compliance_after_ingest" for h in hooks):
        hooks.append(make_hook(engine_options(ctx.settings)))
    scheduler.add_job(
        catch_up,
        "interval",
        minutes=CATCH_UP_MINUTES,
        id="compliance:catch-up",
        kwargs={"ctx": ctx},
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=CATCH_UP_MINUTES * 60,
    )
