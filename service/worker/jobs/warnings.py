"""Rain warnings in the service: the after-ingest step (the ``warnings`` step of
:mod:`service.worker.after_ingest`: recompute the gauges that sent data, assess every commune and
zone, fold level rises into alerts) and a periodic re-assessment job.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.base import BaseScheduler
from sqlalchemy import Engine

from layers.warnings import assess_at, place_names, recompute, zone_communes
from service.alerting.runtime import AlertRuntime
from stations.ingest.model import Spans
from stations.rain.alerts import raise_alerts
from stations.rain.engine import HOLD_S

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)
PERIODIC_JOB = "warnings:assess"
PERIODIC_S = 600


def notify(engine: Engine, alerts: AlertRuntime, rows: list[dict[str, Any]]) -> int:
    """Fold assessed rows into alerts and wake the sender; returns the messages queued."""
    if not rows:
        return 0
    hold = int(alerts.config.timing.resolve_hold_minutes * 60)
    with alerts._eval_lock, engine.begin() as conn:  # one alert writer at a time
        queued = raise_alerts(
            conn,
            rows,
            place_names(conn),
            alerts.config,
            alerts.clock(),
            base_url=alerts.settings.base_url,
            hold_s=hold,
            zone_communes=zone_communes(conn),
        )
    if queued and alerts.wake_sender is not None:
        alerts.wake_sender()
    alerts.broker.notify()
    return queued


def step(rt: Runtime, spans: Spans) -> None:
    """The after-ingest step: levels of every place after the rain gauges among ``spans``."""
    notify(rt.engine, rt.alerts, recompute(rt.engine, spans, hold_s=HOLD_S))


def register(scheduler: BaseScheduler, rt: Runtime) -> None:
    """Add the periodic assessment (silent gauges turn their places to "no data")."""

    def periodic() -> None:
        notify(rt.engine, rt.alerts, assess_at(rt.engine, rt.alerts.clock()))

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
