"""One evaluation pass: read the watched conditions, fold them into alerts, queue messages.

The service calls :func:`run_pass` after each ingest (for that station, ``periodic=False``)
and periodically for all stations (silence, AQI, reminders, escalation, the flapping guard).
The caller owns the transaction and must not run two passes at once on one database.

Clocks: data-driven rules (exceedance, near-limit, analyser states, AQI) measure the flapping
guard against the station's newest data time, so a backlog ingested at once cannot flap;
silence rules measure it against the wall clock ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection

from stations.alerts import signals
from stations.alerts.bands import Severity
from stations.alerts.conditions import (
    COMPLIANCE_EVENTS,
    aqi_signal,
    averaging_seconds,
    compliance_signal,
    instrument_signal,
    silence_signal,
)
from stations.alerts.config import AlertConfig, Rule, RuleType
from stations.alerts.forward_lag import LagReading, gone_signal, lag_signal, rule_for
from stations.alerts.lifecycle import (
    SUPPRESSED,
    Policy,
    Signal,
    apply_signal,
    followups,
    hold_expired,
    open_key,
    subject_of,
)
from stations.alerts.messages import SiteInfo
from stations.alerts.notify import Notifier, persist
from stations.sites import Site
from stations.store import alert_outbox, alerts
from stations.store.alerts import view_of
from stations.store.sites import cached_stations
from stations.timeutil import VN_TZ

CURSOR = "compliance_events"
# Rules whose hold is measured on the wall clock rather than the station's data time.
WALL_CLOCK = (RuleType.DELAYED, RuleType.OFFLINE, RuleType.FORWARD_LAG)
INSTRUMENT = {
    RuleType.DEVICE_ERROR: signals.DEVICE_ERROR,
    RuleType.CALIBRATION: signals.CALIBRATING,
}


@dataclass
class PassResult:
    """What a pass changed: alert ids touched and outbox messages queued."""

    changed: list[int] = field(default_factory=list)
    queued: int = 0


def run_pass(
    conn: Connection,
    config: AlertConfig,
    now: int,
    *,
    base_url: str,
    station_ids: set[str] | None = None,
    periodic: bool = True,
    tz: tzinfo = VN_TZ,
    force_notify: bool = False,
    lags: Sequence[LagReading] | None = None,
) -> PassResult:
    """Evaluate every rule for ``station_ids`` (all stations when None).

    Compliance events about data older than ``timing.notify_max_age_hours`` update alerts
    without queuing notifications, unless ``force_notify``. ``lags``: every configured
    forwarding destination's backlog now (the ``forward_lag`` rule; None: not evaluated).
    """
    p = _Pass(conn, config, now, base_url, tz)
    if force_notify:
        p.quiet_before = None
    p.lags = lags
    return p.run(station_ids, periodic)


class _Pass:
    def __init__(
        self, conn: Connection, cfg: AlertConfig, now: int, base_url: str, tz: tzinfo
    ) -> None:
        self.conn, self.cfg, self.now = conn, cfg, now
        self.sites: dict[str, Site] = {s.id: s for s in cached_stations(conn)}
        infos = {s.id: SiteInfo(s.id, s.name, s.facility, s.kind) for s in self.sites.values()}
        self.notifier = Notifier(cfg, infos, base_url, tz)
        self.open: dict[str, Any] = {}
        self.result = PassResult()
        self.data_at: dict[str, int] = {}
        self.quiet_before: int | None = now - int(cfg.timing.notify_max_age_hours * 3600)
        self.lags: Sequence[LagReading] | None = None

    def run(self, station_ids: set[str] | None, periodic: bool) -> PassResult:
        position = alerts.read_cursor(self.conn, CURSOR)
        events = signals.new_compliance_events(self.conn, position)
        # A pass after an ingest needs the open alerts of its stations and of the stations whose
        # compliance events it folds, not all of them (thousands at a large department).
        scope = None if station_ids is None else station_ids | {e.station_id for e in events}
        self.open = {
            r.open_key: r
            for r in alerts.open_alerts(self.conn, scope, subjects=self.lags is not None)
        }
        # one read of latest_values gives both the analyser states and each station's newest
        # reading, not two queries after every polled batch
        states = signals.instrument_states(self.conn, station_ids)
        self.data_at = signals.newest_by_station(states)
        self.compliance(events)
        self.instruments(states)
        self.silence(station_ids)
        if periodic:
            self.aqi()
        if self.lags is not None:
            self.forward_lag(self.lags)
        self.promote_suppressed(states)
        self.followups(station_ids)
        return self.result

    # --- helpers -------------------------------------------------------------------------
    def rule(self, rule_type: RuleType, site: Site, parameter: str | None = None) -> Rule | None:
        return self.cfg.rule_for(
            rule_type,
            station=site.id,
            facility=site.facility,
            kind=site.kind,
            parameter=parameter,
        )

    def policy(self, rule_id: str) -> Policy:
        t = self.cfg.timing
        rule = next((r for r in self.cfg.rules if r.id == rule_id), None)
        hold = t.resolve_hold_minutes
        if rule is not None and rule.resolve_hold_minutes is not None:
            hold = rule.resolve_hold_minutes
        return Policy(
            reminder_s=int(t.reminder_hours * 3600),
            escalate_after_s=int(t.escalate_after_minutes * 60),
            resolve_hold_s=int(hold * 60),
        )

    def fold(self, sig: Signal, *, quiet: bool = False) -> None:
        """Apply one signal to the open alert of its key, honouring the hold time
        (``quiet``: record without notifying)."""
        current = self.open.get(sig.key)
        hold = self.policy(sig.rule).resolve_hold_s
        if current is not None and current.clear_since is not None and sig.active:
            # Back after the hold had already passed: close the old alert, open a new one.
            late = hold_expired(view_of(current), current.clear_since, sig.at, hold)
            if not late.empty:
                self.save(late, current.id, quiet=quiet)
                current = None
        t = apply_signal(view_of(current) if current else None, sig, self.now, hold)
        if not t.empty:
            self.save(t, current.id if current else None, quiet=quiet)

    def save(self, t: Any, alert_id: int | None, *, quiet: bool = False) -> None:
        # Old data pages nobody, but an alert someone was told about is followed to its end.
        if quiet and alert_id is not None and alert_outbox.was_notified(self.conn, alert_id):
            quiet = False
        row, queued = persist(self.conn, self.notifier, t, self.now, alert_id, quiet=quiet)
        self.result.changed.append(row.id)
        self.result.queued += queued
        key = open_key(subject_of(row), row.parameter, row.rule)
        if row.open_key is None:
            self.open.pop(key, None)
        else:
            self.open[key] = row

    # --- compliance events ---------------------------------------------------------------
    def compliance(self, events: list[Any]) -> None:
        for ev in events:
            self.compliance_event(ev)
        if events:
            alerts.write_cursor(self.conn, CURSOR, int(events[-1].id), self.now)

    def compliance_event(self, ev: Any) -> None:
        site = self.sites.get(ev.station_id)
        if ev.event not in COMPLIANCE_EVENTS or site is None:
            return
        rule_type, active = COMPLIANCE_EVENTS[ev.event]
        rule = self.rule(rule_type, site, ev.parameter)
        if rule is None:
            return
        bad: set[str] = set()
        if active:  # ``at`` is the end of the averaging period
            span = averaging_seconds(ev.averaging)
            bad = signals.abnormal_statuses(self.conn, site.id, ev.parameter, ev.at - span, ev.at)
        if bad:
            self.instrument_for_exceedance(site, ev, bad)
        old = self.quiet_before is not None and ev.at < self.quiet_before
        self.fold(compliance_signal(rule, ev, suppressed=bool(bad)), quiet=old)

    def instrument_for_exceedance(self, site: Site, ev: Any, statuses: set[str]) -> None:
        """An exceedance while calibrating/erring raises the instrument alert at once."""
        calibrating = signals.CALIBRATING in statuses
        rule = self.rule(
            RuleType.CALIBRATION if calibrating else RuleType.DEVICE_ERROR, site, ev.parameter
        )
        if rule is not None:
            self.fold(
                instrument_signal(
                    rule,
                    site.id,
                    ev.parameter,
                    active=True,
                    at=int(ev.at),
                    reason="exceedance_during_instrument_state",
                    episode=ev.episode_id,
                )
            )

    # --- analyser states -----------------------------------------------------------------
    def instruments(self, states: dict[tuple[str, str], signals.InstrumentState]) -> None:
        for (station_id, parameter), st in sorted(states.items()):
            site = self.sites.get(station_id)
            if site is None or not site.active:
                continue
            for rule_type, code in INSTRUMENT.items():
                rule = self.rule(rule_type, site, parameter)
                if rule is None:
                    continue
                key = open_key(station_id, parameter, rule.id)
                if st.status != code and key not in self.open:
                    continue
                active = st.status == code and (
                    key in self.open or st.last_at - st.since >= self.instrument_threshold(rule)
                )
                at = st.since if active else st.last_at
                self.fold(
                    instrument_signal(
                        rule, station_id, parameter, active=active, at=at, status=st.status
                    )
                )

    def instrument_threshold(self, rule: Rule) -> float:
        t = self.cfg.timing
        if rule.type == RuleType.DEVICE_ERROR:
            return 60 * (
                rule.after_minutes if rule.after_minutes is not None else t.device_error_minutes
            )
        return 3600 * (rule.after_hours if rule.after_hours is not None else t.calibration_hours)

    def promote_suppressed(self, states: dict[tuple[str, str], signals.InstrumentState]) -> None:
        """Fire a suppressed exceedance that outlives the analyser state by one averaging span."""
        for row in list(self.open.values()):
            st = states.get((row.station_id, row.parameter))
            if row.state != SUPPRESSED or row.clear_since is not None or st is None:
                continue
            span = averaging_seconds(row.averaging)
            if st.status != signals.MEASURING or signals.abnormal_statuses(
                self.conn, row.station_id, row.parameter, st.last_at - span, st.last_at
            ):
                continue
            self.fold(
                Signal(
                    station_id=row.station_id,
                    parameter=row.parameter,
                    rule=row.rule,
                    rule_type=RuleType(row.rule_type),
                    active=True,
                    at=st.last_at,
                    severity=Severity(row.severity),
                    value=row.value,
                    unit=row.unit,
                    limit_value=row.limit_value,
                    ratio=row.ratio,
                    band=row.band,
                    averaging=row.averaging,
                )
            )

    # --- silence and AQI -----------------------------------------------------------------
    def silence(self, station_ids: set[str] | None) -> None:
        for site in self.sites.values():
            if (station_ids is not None and site.id not in station_ids) or not site.active:
                continue
            last = self.data_at.get(site.id)
            interval_s = site.interval_s
            for rule_type in (RuleType.DELAYED, RuleType.OFFLINE):
                rule = self.rule(rule_type, site)
                if rule is None or last is None:  # never reported: no "no data" spam
                    continue
                default = (
                    self.cfg.timing.offline_after_intervals
                    if rule_type == RuleType.OFFLINE
                    else self.cfg.timing.delayed_after_intervals
                )
                n = rule.after_intervals or default
                self.fold(silence_signal(rule, site.id, last, self.now, interval_s, n))

    def aqi(self) -> None:
        for station_id, (value, at) in sorted(signals.latest_aqi(self.conn).items()):
            site = self.sites.get(station_id)
            rule = self.rule(RuleType.AQI, site) if site else None
            if site is None or rule is None:
                continue
            threshold = rule.threshold or self.cfg.timing.aqi_threshold
            self.fold(aqi_signal(rule, station_id, value, at or self.now, threshold))

    def forward_lag(self, lags: Sequence[LagReading]) -> None:
        seen = set()
        for reading in lags:
            rule = rule_for(self.cfg, reading.destination)
            if rule is not None:
                sig = lag_signal(rule, reading, self.now)
                seen.add(sig.key)
                self.fold(sig)
        for row in list(self.open.values()):  # destination removed or its rule disabled
            if row.rule_type == RuleType.FORWARD_LAG and row.open_key not in seen:
                self.fold(gone_signal(row.rule, row.subject, self.now))

    # --- reminders, escalation, hold expiry ----------------------------------------------
    def followups(self, station_ids: set[str] | None) -> None:
        # Alerts without a station are in ``self.open`` only when this pass evaluates them.
        for row in list(self.open.values()):
            if station_ids is not None and row.station_id not in (None, *station_ids):
                continue
            silence = row.rule_type in WALL_CLOCK
            clock = self.now if silence else max(self.data_at.get(row.station_id, 0), 0)
            policy = self.policy(row.rule)
            t = followups(view_of(row), self.now, policy, clock)
            if not t.empty:  # reminders driven by a backfill's old data clock page nobody
                quiet_before = self.quiet_before
                old = quiet_before is not None and not silence and row.opened_at < quiet_before
                self.save(t, row.id, quiet=old)
