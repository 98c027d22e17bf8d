"""The alert machinery of one running service (``Runtime.alerts``), shared by jobs and routes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine

from service.alerting.broker import AlertBroker
from service.alerting.channels import Channel, build_channels
from service.alerting.config import config_from_settings
from service.alerting.sender import SendResult, send_due
from service.settings import Settings
from stations.alerts.actions import acknowledge_alert
from stations.alerts.config import AlertConfig
from stations.alerts.engine import PassResult, run_pass
from stations.alerts.forward_lag import LagReading
from stations.timeutil import now_epoch

if TYPE_CHECKING:
    from service.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class AlertRuntime:
    """Evaluation passes, the sender and acknowledgements, serialised per process."""

    settings: Settings
    engine: Engine
    config: AlertConfig
    broker: AlertBroker = field(default_factory=AlertBroker)
    clock: Callable[[], int] = now_epoch
    wake_sender: Callable[[], None] | None = None
    # Called before open streams are told that alerts changed (the layer snapshots refresh).
    before_notify: Callable[[], None] | None = None
    channels: dict[str, Channel] = field(default_factory=dict)
    # The forwarding destinations' backlogs (the forward_lag rule); None without forwarding.
    lag_readings: Callable[[Connection, int], list[LagReading]] | None = None
    _eval_lock: threading.Lock = field(default_factory=threading.Lock)
    _send_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if not self.channels:
            self.channels = build_channels(self.settings, self.config, self.clock)

    @property
    def tz(self) -> ZoneInfo:
        """Display time zone."""
        return ZoneInfo(self.settings.display_tz)

    def evaluate(
        self,
        station_ids: set[str] | None = None,
        *,
        periodic: bool = True,
        force_notify: bool = False,
    ) -> PassResult:
        """Run one evaluation pass in its own transaction; wake streams and the sender
        (``force_notify``: notify even for data older than ``timing.notify_max_age_hours``).
        Periodic passes, and a pass over no station (after a forwarding run), also evaluate
        the forwarding lag of every destination."""
        with self._eval_lock, self.engine.begin() as conn:
            now = self.clock()
            lags = None
            if self.lag_readings is not None and (station_ids is None or not station_ids):
                lags = self.lag_readings(conn, now)
            result = run_pass(
                conn,
                self.config,
                now,
                base_url=self.settings.base_url,
                station_ids=station_ids,
                periodic=periodic,
                tz=self.tz,
                force_notify=force_notify,
                lags=lags,
            )
        if result.changed:
            self._notify()
        if result.queued and self.wake_sender is not None:
            self.wake_sender()
        return result

    def _notify(self) -> None:
        # Only a stream listening in this process is announced to: a worker process (no
        # HTTP) would otherwise rebuild every live layer for nobody at each alert change.
        if self.before_notify is not None and self.broker.subscribers:
            try:
                self.before_notify()
            except Exception:  # a stale map is better than a silent stream
                log.exception("before-notify callback failed")
        self.broker.notify()

    def after_ingest(self, _engine: Any, spans: Mapping[str, tuple[int, int]]) -> None:
        """The pipeline's post-ingest hook: one pass over the stations that just sent data."""
        self.evaluate(set(spans), periodic=False)

    def send(self) -> SendResult:
        """Deliver due outbox messages (one sender at a time)."""
        if not self._send_lock.acquire(blocking=False):
            return SendResult()
        try:
            return send_due(self.engine, self.channels, self.config.delivery, self.clock)
        finally:
            self._send_lock.release()

    def acknowledge(self, alert_id: int, by: str, comment: str | None) -> Any:
        """Acknowledge an alert; returns the fresh row (see ``acknowledge_alert``)."""
        with self._eval_lock, self.engine.begin() as conn:
            row = acknowledge_alert(conn, alert_id, by=by, comment=comment, now=self.clock())
        self.broker.notify()
        return row

    def reload_config(self) -> AlertConfig:
        """Re-read the alerts file (an administrator edited the recipients); the next pass
        routes with it. A bad file raises and the running configuration stays. Channels keep
        their servers and secrets (they come from the environment, not the file)."""
        config = config_from_settings(self.settings)
        with self._eval_lock:  # never swap the configuration in the middle of a pass
            self.config = config
        return config


def runtime_for(ctx: Runtime) -> AlertRuntime:
    """The runtime's alert machinery (kept for callers of the former lookup)."""
    return ctx.alerts
