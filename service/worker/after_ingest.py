"""The after-ingest chain: what happens once a batch of files has committed, in written order.

The pipeline stores readings; then, per batch, each step below runs once over the stations the
batch touched (``spans``: ``{station_id: (start_epoch, end_epoch)}``). Order matters: compliance
writes the episodes and AQI, the layer data are marked stale, then the alert engine reads the
episodes and notifies. A later area adds its step with one line in :data:`AFTER_INGEST`
(docs/extending.md). A step that fails is logged and the next one still runs; the periodic
catch-up jobs repair what it missed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from layers import revision
from service.worker.jobs import warnings as rain_warnings
from stations.compliance.engine import after_ingest as compliance_after_ingest
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
    """Re-derive the episodes and AQI of each station the batch touched."""
    now = now_epoch()
    for station_id, (start, end) in spans.items():
        try:
            compliance_after_ingest(rt.engine, station_id, start, end, now, rt.compliance)
        except Exception:  # one station's failure must not stop the others; catch-up retries
            log.exception("compliance evaluation failed for %s", station_id)


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


def run_chain(rt: Runtime, steps: tuple[AfterIngestStep, ...], spans: Spans) -> None:
    """Run every step once, in order; a failing step is logged and does not stop the rest."""
    if not spans:
        return
    for step in steps:
        try:
            step.run(rt, spans)
        except Exception:
            log.exception("after-ingest step %s failed for %d stations", step.name, len(spans))
