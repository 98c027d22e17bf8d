"""APScheduler 3.x wiring: one BackgroundScheduler per deployment, jobs rebuilt at every start.

Durable state lives in our tables (ingested-file hashes, alert outbox), so the in-memory job
store is enough. Each area's job module exposes ``register(scheduler, ctx)``.
"""

from __future__ import annotations

import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from service.context import AppContext
from service.jobs import alerts, compliance, ingest

log = logging.getLogger(__name__)

# Registration order is the after-ingest hook order: compliance updates episodes before the
# alert engine reads them.
JOB_MODULES = (ingest, compliance, alerts)


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)
    else:
        log.warning("job %s missed its run time", event.job_id)


def build_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """A scheduler with every area's jobs registered (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for module in JOB_MODULES:
        module.register(scheduler, ctx)
    return scheduler


def start_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """Build and start the scheduler."""
    scheduler = build_scheduler(ctx)
    scheduler.start()
    log.info("scheduler started with jobs: %s", [j.id for j in scheduler.get_jobs()])
    return scheduler
