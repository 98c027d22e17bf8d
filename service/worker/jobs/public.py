"""The public portal's periodic jobs. Its after-ingest steps are in service/worker/after_ingest.py;
these jobs catch what no ingest announces: a station falling silent turns grey within a minute
(the snapshot files are rewritten only when their content changed), and AQI alerts opened by
the periodic alert pass reach subscribers within 30 s."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from service.public.steps import notify_public_subscribers, refresh_public
from service.runtime import Runtime

log = logging.getLogger(__name__)
SNAPSHOT_JOB, SNAPSHOT_SECONDS = "public:snapshot", 60
NOTIFY_JOB, NOTIFY_SECONDS = "public:subscriptions", 30


def _guarded(step: Callable[[Runtime], Any], rt: Runtime) -> Callable[[], None]:
    def run() -> None:
        try:
            step(rt)
        except Exception:  # the next run starts again from the data and the cursor
            log.exception("public job %s failed", step.__name__)

    return run


def register(scheduler: BaseScheduler, rt: Runtime) -> None:
    """Add the two interval jobs (one at a time, missed runs coalesced)."""
    for job_id, step, seconds in (
        (SNAPSHOT_JOB, refresh_public, SNAPSHOT_SECONDS),
        (NOTIFY_JOB, notify_public_subscribers, NOTIFY_SECONDS),
    ):
        scheduler.add_job(
            _guarded(step, rt),
            "interval",
            seconds=seconds,
            id=job_id,
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
