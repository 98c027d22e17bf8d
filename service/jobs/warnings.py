"""Warning jobs: the after-ingest step (recompute the gauges that sent data, assess every
commune and zone, fold level rises into alerts) and a periodic re-assessment.

Until the runtime issue (13) lands, the step is a plain ``step(engine, spans)`` appended to the
after-ingest hooks by :func:`register`; move it into the runtime's ordered chain afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from layers.warnings import assess_at, place_names, recompute
from service.alerting.runtime import AlertRuntime, runtime_for
from service.context import AppContext
from stations.rain.alerts import raise_alerts
from stations.rain.engine import HOLD_S

log = logging.getLogger(__name__)
PERIODIC_JOB = "warnings:assess"
PERIODIC_S = 600


def notify(engine: Engine, runtime: AlertRuntime, rows: list[dict[str, Any]]) -> int:
    """Fold assessed rows into alerts and wake the sender; returns the messages queued."""
    if not rows:
        return 0
    hold = int(runtime.config.timing.resolve_hold_minutes * 60)
    with runtime._eval_lock, engine.begin() as conn:  # one alert writer at a time
        queued = raise_alerts(
            conn,
            rows,
            place_names(conn),
            runtime.config,
            runtime.clock(),
            base_url=runtime.settings.base_url,
            hold_s=hold,
        )
    if queued and runtime.wake_sender is not None:
        runtime.wake_sender()
    runtime.broker.notify()
    return queued


def step_for(ctx: AppContext) -> Callable[[Engine, Mapping[str, tuple[int, int]]], None]:
    """The after-ingest step of this service: ``step(engine, spans)``."""

    def warnings_after_ingest(engine: Engine, spans: Mapping[str, tuple[int, int]]) -> None:
        rows = recompute(engine, spans, hold_s=HOLD_S)
        notify(engine, runtime_for(ctx), rows)

    return warnings_after_ingest


def register(scheduler: BaseScheduler, ctx: AppContext) -> None:
    """Hook the step after the other after-ingest hooks and add the periodic assessment."""
    hooks = ctx.extras.setdefault("after_ingest", [])
    if not any(getattr(h, "__name__", "") == "warnings_after_ingest" for h in hooks):
        hooks.append(step_for(ctx))
    runtime = runtime_for(ctx)

    def periodic() -> None:
        notify(ctx.engine, runtime, assess_at(ctx.engine, runtime.clock()))

    scheduler.add_job(
        periodic,
        "interval",
        seconds=PERIODIC_S,
        id=PERIODIC_JOB,
        name="re-assess warning levels",
        max_instances=1,
        coalesce=True,
        replace_existing=True,
    )
