"""Compliance jobs: a periodic catch-up.

The after-ingest evaluation of each batch is the ``compliance`` step of
:mod:`service.worker.after_ingest`. The catch-up re-evaluates the last hours of every station, so a
failed step or a reading that arrived late is picked up within the interval.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from service.runtime import Runtime, compliance_options
from stations.compliance.engine import recompute
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
CATCH_UP_MINUTES = 15
CATCH_UP_HOURS = 6

engine_options = compliance_options  # former name, kept for importers


def catch_up(ctx: Runtime) -> None:
    """Re-evaluate the last hours of every station (idempotent)."""
    now = now_epoch()
    stats = recompute(ctx.engine, now - CATCH_UP_HOURS * 3600, now, now, options=ctx.compliance)
    if stats.episodes.changed:
        log.info("compliance catch-up: %s", stats.episodes)


def register(scheduler: BaseScheduler, ctx: Runtime) -> None:
    """Add the catch-up job."""
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
