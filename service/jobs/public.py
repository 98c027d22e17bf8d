"""The public portal's snapshot files (<data_dir>/public): rewritten after each ingest batch and
checked every minute, so a station falling silent turns grey even when nothing else arrives.
A check whose content is unchanged writes nothing."""

from __future__ import annotations

import logging
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from service.context import AppContext
from service.public.cache import public_after_ingest
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)

JOB_ID = "public-snapshot"
CHECK_SECONDS = 60


def register(scheduler: BackgroundScheduler, ctx: AppContext) -> None:
    """One after-ingest step and one per-minute job."""
    step = public_after_ingest(ctx)
    hooks = ctx.extras.setdefault("after_ingest", [])
    if not any(getattr(h, "__name__", "") == step.__name__ for h in hooks):
        hooks.append(step)
    _every(scheduler, step, CHECK_SECONDS, JOB_ID)


def _every(scheduler: BackgroundScheduler, step: Any, seconds: int, job_id: str) -> None:
    """``step(engine, spans)`` as an interval job (one at a time, missed runs coalesced)."""
    scheduler.add_job(
        step,
        "interval",
        seconds=seconds,
        args=(None, {}),
        id=job_id,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )


NOTIFY_JOB_ID = "public-subscriptions"
NOTIFY_SECONDS = 30


def register_notifications(scheduler: BackgroundScheduler, ctx: AppContext) -> None:
    """After the alert engine: queue subscribers' messages for new AQI alert events (an
    after-ingest step and a 30-s job; the alert sender delivers them)."""
    from service.public.subscribe_routes import link_key
    from service.public.subscriptions import notify_subscribers

    def public_subscriptions_step(_engine: object = None, _spans: object = None) -> None:
        try:
            max_age = ctx.settings.public_aqi_max_age_minutes * 60
            notify_subscribers(
                ctx.engine, link_key(ctx), ctx.settings.base_url, now_epoch(), max_age
            )
        except Exception:  # the next run retries from the same cursor
            log.exception("public subscriptions not notified")

    hooks = ctx.extras.setdefault("after_ingest", [])
    if not any(getattr(h, "__name__", "") == public_subscriptions_step.__name__ for h in hooks):
        hooks.append(public_subscriptions_step)
    _every(scheduler, public_subscriptions_step, NOTIFY_SECONDS, NOTIFY_JOB_ID)
