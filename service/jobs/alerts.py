"""Alert jobs: the post-ingest hook, the periodic evaluation (silence, AQI, reminders,
escalation, the flapping guard) and the outbox sender.

Registered after the ingest and compliance modules, so the hook runs after the compliance hook
has written the episode events it consumes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.base import BaseScheduler

from service.alerting.runtime import runtime_for
from service.context import AppContext

log = logging.getLogger(__name__)
EVALUATE_JOB = "alerts:evaluate"
OUTBOX_JOB = "alerts:outbox"


def register(scheduler: BaseScheduler, ctx: AppContext) -> None:
    """Add the hook and the two periodic jobs (explicit ids, no overlap, coalesced)."""
    runtime = runtime_for(ctx)
    ctx.extras.setdefault("after_ingest", []).append(runtime.after_ingest)
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
