"""Alert jobs: the periodic evaluation (silence, AQI, reminders, escalation, the flapping
guard) and the outbox sender. The after-ingest pass is the ``alerts`` step of
:mod:`service.worker.after_ingest`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from service.runtime import Runtime

log = logging.getLogger(__name__)
EVALUATE_JOB = "alerts:evaluate"
OUTBOX_JOB = "alerts:outbox"


def register(scheduler: BaseScheduler, rt: Runtime) -> None:
    """Add the two periodic jobs (explicit ids, no overlap, coalesced)."""
    runtime = rt.alerts
    delivery = runtime.config.delivery
    scheduler.add_job(
        runtime.evaluate,
        "interval",
        seconds=delivery.evaluate_interval_seconds,
        id=EVALUATE_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=int(delivery.evaluate_interval_seconds),
        next_run_time=datetime.now(UTC),
    )
    scheduler.add_job(
        runtime.send,
        "interval",
        seconds=delivery.send_interval_seconds,
        id=OUTBOX_JOB,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=max(1, int(delivery.send_interval_seconds)),
        next_run_time=datetime.now(UTC),
    )

    def wake_sender() -> None:
        # Bring the next send forward so a new alert leaves within a second, not an interval.
        try:
            scheduler.modify_job(OUTBOX_JOB, next_run_time=datetime.now(UTC))
        except JobLookupError:  # scheduler shutting down
            log.debug("outbox job gone; message stays queued")

    runtime.wake_sender = wake_sender
