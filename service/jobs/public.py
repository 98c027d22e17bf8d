"""The public portal's snapshot files (<data_dir>/public): rewritten after each ingest batch and
checked every minute, so a station falling silent turns grey even when nothing else arrives.
A check whose content is unchanged writes nothing."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from service.context import AppContext
from service.public.cache import public_after_ingest

JOB_ID = "public-snapshot"
CHECK_SECONDS = 60


def register(scheduler: BackgroundScheduler, ctx: AppContext) -> None:
    """One after-ingest step and one per-minute job."""
    step = public_after_ingest(ctx)
    hooks = ctx.extras.setdefault("after_ingest", [])
    if not any(getattr(h, "__name__", "") == step.__name__ for h in hooks):
        hooks.append(step)
    scheduler.add_job(
        step,
        "interval",
        seconds=CHECK_SECONDS,
        args=(ctx.engine, {}),
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
    )
