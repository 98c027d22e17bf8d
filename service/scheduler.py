"""APScheduler 3.x wiring: one BackgroundScheduler per deployment, jobs rebuilt at every start.

Durable state lives in our tables (ingested-file hashes, alert outbox), so the in-memory job
store is enough. Each area's job module exposes ``register(scheduler, ctx)``.
"""

from __future__ import annotations

import importlib
import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from service.context import AppContext

log = logging.getLogger(__name__)

JOB_MODULES = (
    "service.jobs.ingest",
    "service.jobs.compliance",
    "service.jobs.alerts",
)


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)
    else:
        log.warning("job %s missed its run time", event.job_id)


def build_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """A scheduler with every area's jobs registered (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    for name in JOB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(scheduler, ctx)
    return scheduler


def start_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """Build and start the scheduler."""
    scheduler = build_scheduler(ctx)
    scheduler.start()
    log.info("scheduler started with jobs: %s", [j.id for j in scheduler.get_jobs()])
    return scheduler
