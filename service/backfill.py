"""After a backfill (``quantrac ingest``, ``quantrac quarantine replay``): evaluate what it stored.

Polling runs the after-ingest hooks after every batch; a backfill stores first and then runs the
same chain once over the spans it touched, phase by phase with a progress bar:

1. compliance: episodes and VN_AQI of each station over its stored span
   (:func:`stations.compliance.engine.after_ingest`, the function the polling hook calls);
2. layers: nothing to do in this process; the serving processes' layer snapshots see the new
   data at their next change check (docs/layers.md);
3. alerts: one pass over the touched stations. Exceedances of data older than the alerts file's
   ``timing.notify_max_age_hours`` (default 24 h) open their alerts without notifications,
   unless ``notify`` is set (``--notify``).

This is the one place a backfill reaches the after-ingest chain; when the typed runtime (issue
13) lands, this function calls its ``after_ingest(spans)`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import Engine

from service.alerting.config import config_from_settings
from service.jobs.compliance import engine_options
from service.settings import Settings
from stations.alerts.engine import run_pass
from stations.compliance.engine import after_ingest
from stations.timeutil import now_epoch


def evaluate_spans(
    settings: Settings,
    engine: Engine,
    spans: Mapping[str, tuple[int, int]],
    *,
    notify: bool = False,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run compliance then alerts for ``{station: (first, last)}``; returns the counts."""
    now = now_epoch()
    options = engine_options(settings)
    out: dict[str, Any] = {"stations": len(spans), "episodes_inserted": 0, "aqi_hours": 0}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=console is None or not console.is_terminal,
    ) as progress:
        task = progress.add_task("compliance", total=len(spans))
        for station_id, (start, end) in sorted(spans.items()):
            stats = after_ingest(engine, station_id, start, end, now, options)
            out["episodes_inserted"] += stats.episodes.inserted
            out["aqi_hours"] += stats.aqi_hours
            progress.advance(task)
        task = progress.add_task("alerts", total=1)
        config = config_from_settings(settings)
        with engine.begin() as conn:
            result = run_pass(
                conn,
                config,
                now,
                base_url=settings.base_url,
                station_ids=set(spans),
                periodic=False,
                force_notify=notify,
            )
        progress.advance(task)
    out["alerts_changed"] = len(result.changed)
    out["notifications_queued"] = result.queued
    return out
