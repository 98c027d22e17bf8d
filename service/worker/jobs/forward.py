"""Forwarding jobs: one sender and one reconciliation per destination of the forwarding file.

The sender runs every ``send_interval_seconds`` (never overlapping itself); reconciliation runs
every ``reconcile_every_hours`` over the last ``reconcile_lookback_hours``, first one interval
after start-up. Both run only in the scheduler's leader, so one process sends at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.base import BaseScheduler

from service.context import AppContext
from service.forwarding import forwarding_for

log = logging.getLogger(__name__)


def _every(
    scheduler: BaseScheduler,
    job: Callable[[str], object],
    seconds: float,
    dest: str,
    job_id: str,
    name: str,
    first: datetime,
) -> None:
    scheduler.add_job(
        job,
        "interval",
        seconds=seconds,
        args=[dest],
        id=job_id,
        name=name,
        replace_existing=True,
        max_instances=1,  # a slow run is never overlapped by the next one
        coalesce=True,
        misfire_grace_time=max(1, int(seconds)),
        next_run_time=first,
    )


def register(scheduler: BaseScheduler, ctx: AppContext) -> None:
    """Add ``forward:send:<id>`` and ``forward:reconcile:<id>`` per enabled destination."""
    fwd = forwarding_for(ctx)  # also wires the forward_lag alert rule (service.forwarding)
    now = datetime.now(UTC)
    for d in fwd.destinations:
        send_s = d.send_interval_seconds or 60
        _every(
            scheduler,
            fwd.send,
            send_s,
            d.id,
            f"forward:send:{d.id}",
            f"forward files to {d.id}",
            now,
        )
        every = (d.reconcile_every_hours or 6) * 3600
        _every(
            scheduler,
            fwd.reconcile_recent,
            every,
            d.id,
            f"forward:reconcile:{d.id}",
            f"reconcile {d.id}",
            now + timedelta(seconds=min(every, 600)),
        )
    if fwd.destinations:
        log.info("forwarding to %s", [d.id for d in fwd.destinations])
