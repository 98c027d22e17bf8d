"""After a backfill (``quantrac ingest``, ``quantrac quarantine replay``): evaluate what it stored.

Polling runs the after-ingest chain (:mod:`service.worker.after_ingest`) after every batch; a
backfill stores first and then runs the same chain once, through :meth:`service.runtime.Runtime`'s
steps, over the span each station got, with a progress bar per step: compliance (episodes and
VN_AQI), layer data (marked stale; serving processes see it at their next change check), then
one alert pass. Exceedances of data older than the alerts file's ``timing.notify_max_age_hours``
(default 24 h) open their alerts without notifications, unless ``notify`` (``--notify``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import Engine

from service.runtime import Runtime
from service.settings import Settings
from service.worker.after_ingest import AfterIngestStep, run_chain
from stations.ingest.model import Spans


def _forced_alerts(rt: Runtime, spans: Spans) -> None:
    rt.alerts.evaluate(set(spans), periodic=False, force_notify=True)


def evaluate_spans(
    settings: Settings,
    engine: Engine,
    spans: Mapping[str, tuple[int, int]],
    *,
    notify: bool = False,
    console: Console | None = None,
) -> dict[str, Any]:
    """Run the after-ingest chain once for ``{station: (first, last)}``; returns what ran."""
    started = time.perf_counter()
    rt = Runtime(settings, engine)
    steps = tuple(
        AfterIngestStep(s.name, _forced_alerts) if notify and s.name == "alerts" else s
        for s in rt.steps
    )
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=console is None or not console.is_terminal,
    ) as progress:
        for step in steps:
            task = progress.add_task(step.name, total=1)
            run_chain(rt, (step,), spans)  # logs a failing step; the catch-up jobs repair it
            progress.advance(task)
    return {
        "stations": len(spans),
        "steps": [s.name for s in steps],
        "notify": notify,
        "seconds": round(time.perf_counter() - started, 3),  # what the evaluation took (bench/)
    }
