"""APScheduler 3.x wiring: one BackgroundScheduler per deployment, jobs rebuilt at every start.

Durable state lives in our tables (ingested-file hashes, alert outbox), so the in-memory job
store is enough. Each area's job module exposes ``register(scheduler, rt)``, which only adds
jobs: the after-ingest chain is fixed in :mod:`service.worker.after_ingest`, so building the
scheduler again (a replica regaining the leader lock) never runs a step twice.
"""

from __future__ import annotations

import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from service.runtime import Runtime
from service.worker.jobs import alerts, compliance, forward, ingest, partitions, public
from service.worker.jobs import warnings as rain_warnings

log = logging.getLogger(__name__)


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)
    else:
        log.warning("job %s missed its run time", event.job_id)


def build_scheduler(rt: Runtime) -> BackgroundScheduler:
    """A scheduler with every area's jobs registered (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    ingest.register(scheduler, rt)
    compliance.register(scheduler, rt)
    alerts.register(scheduler, rt)
    public.register(scheduler, rt)  # issue 18: public snapshot files, subscriptions
    forward.register(scheduler, rt)  # queued in the ingest transaction, sent by its own jobs
    rain_warnings.register(scheduler, rt)  # periodic re-assessment (issue 17)
    partitions.register(scheduler, rt)  # PostgreSQL: monthly partitions kept ahead
    return scheduler


def start_scheduler(rt: Runtime) -> BackgroundScheduler:
    """Build and start the scheduler."""
    scheduler = build_scheduler(rt)
    scheduler.start()
    log.info("scheduler started with jobs: %s", [j.id for j in scheduler.get_jobs()])
    return scheduler
