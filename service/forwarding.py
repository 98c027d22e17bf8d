"""The forwarding machinery of one running service: queue hook, sender, reconcile, lag watch.

Built from ``settings.forward_file`` and kept in ``Runtime.forwarding``; jobs, routes and
the CLI share it. Without a forwarding file nothing is queued and every call is a no-op.
The lag alert is the alert engine's ``forward_lag`` rule: the alert runtime reads
:meth:`Forwarding.lag_readings` in its passes (stations.alerts.forward_lag).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import Connection, Engine

from service.forward_config import (
    DestinationConfig,
    ForwardFile,
    endpoint_of,
    load_forwarding,
    policy_of,
    route_of,
)
from service.runtime import Runtime
from service.settings import Settings
from stations.alerts.forward_lag import LagReading
from stations.forward import outbox
from stations.forward.reconcile import ReconcileReport, reconcile
from stations.forward.route import Route
from stations.forward.sender import SendResult, send_due
from stations.forward.status import DestinationStatus, destination_status, lag_exceeded
from stations.forward.transport import ftp_session
from stations.ingest.model import OnRecord, RecordedFile
from stations.timeutil import now_epoch

log = logging.getLogger(__name__)
SEND_BUDGET_S = 300.0


@dataclass
class Forwarding:
    """Destinations of the forwarding file and what is done with them."""

    engine: Engine
    config: ForwardFile
    clock: Callable[[], int] = now_epoch
    # Destinations whose lag is over their threshold now (edge-triggered log lines).
    lagging: set[str] = field(default_factory=set)
    last_run: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Run after a sender run while a destination lags or has just stopped lagging: an alert
    # pass over the destinations (forwarding_for sets it), so the alert follows at once.
    on_lag: Callable[[], object] | None = None
    _locks: dict[str, threading.Lock] = field(default_factory=dict)

    @property
    def destinations(self) -> list[DestinationConfig]:
        """The enabled destinations."""
        return [d for d in self.config.destinations if d.enabled]

    @property
    def routes(self) -> list[Route]:
        """Their routes (what each takes, where it goes)."""
        return [route_of(d) for d in self.destinations]

    def on_record(self) -> OnRecord | None:
        """The in-transaction ingest hook, or None when nothing is forwarded."""
        routes = self.routes
        if not routes:
            return None
        return partial(_enqueue, routes)

    def _session(self, d: DestinationConfig) -> Any:
        return partial(ftp_session, endpoint_of(d))

    def send(self, dest_id: str, *, budget_s: float = SEND_BUDGET_S) -> SendResult:
        """Send one destination's due files now, batch after batch until nothing more is due
        or ``budget_s`` has passed (a backlog after an outage drains at full speed, not one
        batch per interval); one run at a time per destination."""
        d = self.config.get(dest_id)
        lock = self._locks.setdefault(dest_id, threading.Lock())
        result = SendResult()
        deadline = time.monotonic() + budget_s
        with lock:
            while True:
                batch = send_due(
                    self.engine,
                    route_of(d),
                    self._session(d),
                    now=self.clock,
                    policy=policy_of(d),
                    limit=d.batch_files or 500,
                )
                result.add(batch)
                if batch.error or not batch.progressed or time.monotonic() >= deadline:
                    break
        self.last_run[dest_id] = {
            "at": self.clock(),
            "sent": result.sent,
            "present": result.present,
            "retrying": result.retrying,
            "dead": result.dead,
            "error": result.error,
        }
        if result.sent or result.present or result.error:
            log.info(
                "forward %s: %d sent, %d already there, %d retrying, %d dead%s",
                dest_id,
                result.sent,
                result.present,
                result.retrying,
                result.dead,
                f", stopped: {result.error}" if result.error else "",
            )
        self.watch_lag()
        return result

    def reconcile(
        self,
        dest_id: str,
        start: int,
        end: int,
        cap: int | None = None,
        *,
        unqueued: bool = False,
    ) -> ReconcileReport:
        """List the destination for ``[start, end)`` and queue what it is missing;
        ``unqueued`` also looks for received files never queued for it (a scan of the files
        received since ``start``: for a destination added after data arrived)."""
        d = self.config.get(dest_id)
        report = reconcile(
            self.engine,
            route_of(d),
            self._session(d),
            start=start,
            end=end,
            cap=cap or d.reconcile_cap or 720,
            now=self.clock(),
            unqueued=unqueued,
        )
        log.info(
            "forward %s: reconcile found %d missing, refilled %d, %d left for later",
            dest_id,
            report.missing_total,
            report.refilled,
            report.left,
        )
        return report

    def reconcile_recent(self, dest_id: str) -> ReconcileReport:
        """The scheduled reconciliation: the last ``reconcile_lookback_hours``."""
        d = self.config.get(dest_id)
        now = self.clock()
        return self.reconcile(dest_id, now - int((d.reconcile_lookback_hours or 48) * 3600), now)

    def status(self, *, totals: bool = False) -> list[DestinationStatus]:
        """Figures per configured destination (``totals``: also count every receipt)."""
        with self.engine.connect() as conn:
            return destination_status(
                conn, [d.id for d in self.destinations], self.clock(), totals=totals
            )

    def threshold_s(self, dest_id: str) -> int:
        """The lag alert threshold of a destination, seconds."""
        return int((self.config.get(dest_id).lag_alert_minutes or 30) * 60)

    def lag_readings(self, conn: Connection, now: int) -> list[LagReading]:
        """Every enabled destination's backlog at ``now``, for the ``forward_lag`` rule."""
        return [
            LagReading(
                st.destination,
                st.backlog_lag_s,
                st.pending,
                st.oldest_pending_received_at,
                self.threshold_s(st.destination),
            )
            for st in destination_status(conn, [d.id for d in self.destinations], now)
        ]

    def watch_lag(self) -> list[str]:
        """Destinations over their lag threshold; logs an error when one crosses it and
        runs the alert pass (``on_lag``) while any lags or has just stopped lagging."""
        over = []
        for st in self.status():
            if lag_exceeded(st, self.threshold_s(st.destination)):
                over.append(st.destination)
                if st.destination not in self.lagging:
                    log.error(
                        "forward %s: chậm chuyển / lag %d s over %d s, %d files waiting",
                        st.destination,
                        st.backlog_lag_s,
                        self.threshold_s(st.destination),
                        st.pending,
                    )
            elif st.destination in self.lagging:
                log.info("forward %s: lag back under threshold", st.destination)
        if (over or self.lagging) and self.on_lag is not None:
            try:
                self.on_lag()
            except Exception:  # an alerting bug must not stop forwarding
                log.exception("forward: lag alert pass failed")
        self.lagging = set(over)
        return over


def _enqueue(routes: list[Route], conn: Connection, files: list[RecordedFile]) -> None:
    outbox.enqueue_recorded(conn, routes, files)


def build_forwarding(settings: Settings, engine: Engine) -> Forwarding:
    """The forwarding of these settings (empty without a forwarding file)."""
    config = load_forwarding(settings.forward_file) if settings.forward_file else ForwardFile()
    return Forwarding(engine=engine, config=config)


def forwarding_for(rt: Runtime) -> Forwarding:
    """The runtime's forwarding, built on first use (an invalid file raises here, per call)."""
    if rt.forwarding is None:
        fwd = build_forwarding(rt.settings, rt.engine)
        # The forward_lag rule reads the destinations in every periodic alert pass (none
        # configured: an alert left open by a removed destination is cleared).
        rt.alerts.lag_readings = fwd.lag_readings
        fwd.on_lag = partial(rt.alerts.evaluate, set(), periodic=False)
        rt.forwarding = fwd
    return rt.forwarding
