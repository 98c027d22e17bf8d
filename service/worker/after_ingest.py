"""The after-ingest chain: what happens once a batch of files has committed, in written order.

The pipeline stores readings; then, per poll (service/jobs/ingest.py), each step below runs
once over the stations its batches touched (``spans``: ``{station_id: (start_epoch,
end_epoch)}``). Order matters: compliance writes the episodes and AQI, the layer data are marked
stale, then the alert engine reads the episodes and notifies. A later area adds its step with
one line in :data:`AFTER_INGEST` (docs/extending.md). A step that fails is logged and the next
one still runs; the periodic catch-up jobs repair what it missed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from layers import revision
from service.worker.jobs import warnings as rain_warnings
from stations.compliance.engine import due_for_evaluation, evaluate_station, evaluate_stations
from stations.ingest.model import Spans
from stations.timeutil import now_epoch

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AfterIngestStep:
    """One named step of the chain: ``run(runtime, spans)``."""

    name: str
    run: Callable[[Runtime, Spans], object]


def on_engine(step: Callable[[Engine, Spans], object]) -> Callable[[Runtime, Spans], object]:
    """Adapt a plain ``step(engine, spans)`` function (the shape of the old hooks)."""

    def run(rt: Runtime, spans: Spans) -> object:
        return step(rt.engine, spans)

    return run


def compliance(rt: Runtime, spans: Spans) -> None:
    """Re-derive the episodes and AQI of the stations the batch touched, all in one pass and
    one transaction; if that fails, station by station (one station's failure must not stop
    the others; the catch-up job retries)."""
    now = now_epoch()
    try:
        with rt.engine.begin() as conn:  # most 5-minute files complete no hour: nothing to do
            due = due_for_evaluation(conn, spans)
            if due:
                evaluate_stations(conn, due, now, rt.compliance)
        return
    except Exception:
        log.exception("compliance evaluation of %d stations failed; one by one now", len(spans))
    with rt.engine.connect() as conn:
        due = due_for_evaluation(conn, spans)
    for site, start, end in due:
        try:
            with rt.engine.begin() as conn:
                evaluate_station(conn, site, start, end, now, rt.compliance)
        except Exception:
            log.exception("compliance evaluation failed for %s", site.id)


def layer_data(_rt: Runtime, _spans: Spans) -> None:
    """Mark the layer data stale (cheap on purpose: snapshots rebuild at their next check, or
    at once when the alert engine is about to announce new data)."""
    revision.bump_data()


def alerts(rt: Runtime, spans: Spans) -> None:
    """One alert pass over the stations that just sent data."""
    rt.alerts.evaluate(set(spans), periodic=False)


def public_snapshot(rt: Runtime, _spans: Spans) -> None:
    """Rewrite the public portal's snapshot files when their content changed (issue 18), at
    most every few seconds."""
    from service.public.steps import AFTER_INGEST_EVERY_S, refresh_public

    refresh_public(rt, AFTER_INGEST_EVERY_S)


def public_subscriptions(rt: Runtime, _spans: Spans) -> None:
    """Queue citizens' messages for the AQI alerts the pass just opened (issue 18)."""
    from service.public.steps import notify_public_subscribers

    notify_public_subscribers(rt)


# The chain, in the order it runs. Add a step with one line (e.g. forwarding after alerts).
AFTER_INGEST: tuple[AfterIngestStep, ...] = (
    AfterIngestStep("compliance", compliance),
    AfterIngestStep("layers", layer_data),
    AfterIngestStep("public-snapshot", public_snapshot),
    AfterIngestStep("alerts", alerts),
    AfterIngestStep("warnings", rain_warnings.step),  # QĐ 18 levels and their alerts (issue 17)
    AfterIngestStep("public-subscriptions", public_subscriptions),
)


def run_chain(
    rt: Runtime,
    steps: tuple[AfterIngestStep, ...],
    spans: Spans,
    timings: dict[str, float] | None = None,
) -> None:
    """Run every step once, in order; a failing step is logged and does not stop the rest.
    ``timings`` (step name -> seconds) is added to, for the poll's log line."""
    if not spans:
        return
    for step in steps:
        started = time.perf_counter()
        try:
            step.run(rt, spans)
        except Exception:
            log.exception("after-ingest step %s failed for %d stations", step.name, len(spans))
        if timings is not None:
            timings[step.name] = timings.get(step.name, 0.0) + time.perf_counter() - started
