"""Partition upkeep (PostgreSQL): a daily job keeps the coming months' partitions in place.

Start-up (:func:`service.bootstrap.prepare_database`) does the same once; the job covers a
service that runs for months without a restart, and moves any reading that landed in DEFAULT.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.base import BaseScheduler

from service.runtime import Runtime
from stations.store.partitions import ensure_partitions
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)


def keep_ahead(ctx: Runtime) -> None:
    """Create the missing monthly partitions (idempotent; nothing to do on SQLite)."""
    for table, (year, month), moved in ensure_partitions(ctx.engine, now_epoch()):
        log.info(
            "partition %s %04d-%02d created, %d rows moved from DEFAULT", table, year, month, moved
        )


def register(scheduler: BaseScheduler, ctx: Runtime) -> None:
    """Add the daily job."""
    scheduler.add_job(
        keep_ahead,
        "interval",
        days=1,
        id="partitions:keep-ahead",
        kwargs={"ctx": ctx},
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=24 * 3600,
    )
