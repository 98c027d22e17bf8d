"""APScheduler 3.x wiring: one BackgroundScheduler per deployment, jobs rebuilt at every start.

Durable state lives in our tables (ingested-file hashes, alert outbox), so the in-memory job
store is enough. Each area's job module exposes ``register(scheduler, ctx)``.
"""

from __future__ import annotations

import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler

from layers import revision
from service.alerting.runtime import runtime_for
from service.context import AppContext
from service.jobs import alerts, compliance, ingest, public
from service.layer_cache import EXTRA_KEY

log = logging.getLogger(__name__)


def _layers_changed(_engine: object, _spans: object) -> None:
    # Cheap on purpose (once per ingest batch): layer snapshots pick the data up at their next
    # periodic check, or at once when the alert engine is about to announce it.
    revision.bump_data()


def _refresh_live_layers(ctx: AppContext) -> None:
    cache = ctx.extras.get(EXTRA_KEY)
    if cache is not None:  # no HTTP app in this process: no snapshot to refresh
        cache.refresh_live()


def _log_job_event(event: JobExecutionEvent) -> None:
    if event.exception is not None:
        log.error("job %s failed: %s", event.job_id, event.exception)
    else:
        log.warning("job %s missed its run time", event.job_id)


def build_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """A scheduler with every area's jobs registered (not started)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_listener(_log_job_event, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    # Registration order is the after-ingest hook order: compliance updates episodes, the layer
    # snapshots are marked stale, then the alert engine reads the episodes and notifies.
    ingest.register(scheduler, ctx)
    compliance.register(scheduler, ctx)
    hooks = ctx.extras.setdefault("after_ingest", [])
    if _layers_changed not in hooks:
        hooks.append(_layers_changed)
    public.register(scheduler, ctx)  # issue 18: public snapshot files (after the layers)
    alerts.register(scheduler, ctx)
    public.register_notifications(scheduler, ctx)  # issue 18: after the alert engine
    runtime_for(ctx).before_notify = lambda: _refresh_live_layers(ctx)
    return scheduler


def start_scheduler(ctx: AppContext) -> BackgroundScheduler:
    """Build and start the scheduler."""
    scheduler = build_scheduler(ctx)
    scheduler.start()
    log.info("scheduler started with jobs: %s", [j.id for j in scheduler.get_jobs()])
    return scheduler
