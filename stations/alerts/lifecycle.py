"""Alert lifecycle as pure functions: firing → acknowledged → resolved.

Nothing here reads a clock or a database: callers pass ``now`` (UTC epoch seconds) and a
snapshot of the stored alert, and get back a :class:`Transition` to persist. Events named in
:data:`NOTIFYING` produce notifications; the others are history only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stations.alerts.bands import Severity
from stations.alerts.config import RuleType

FIRING, ACKNOWLEDGED, RESOLVED, SUPPRESSED = "firing", "acknowledged", "resolved", "suppressed"
OPEN_STATES = (SUPPRESSED, FIRING, ACKNOWLEDGED)
STATES = (*OPEN_STATES, RESOLVED)
NOTIFYING = frozenset({"opened", "escalated", "reminder", "unacknowledged", "resolved"})


@dataclass(frozen=True, slots=True)
class Policy:
    """Timings, in seconds, for one alert's rule."""

    reminder_s: int
    escalate_after_s: int
    resolve_hold_s: int


@dataclass(frozen=True, slots=True)
class Signal:
    """A condition observed for one (station, parameter, rule) at data time ``at``.

    ``episode_id`` ties exceedance signals to compliance episodes: an alert stays active while
    any of its episodes (e.g. the 1 h and the 24 h mean) is open. ``suppressed`` marks an
    exceedance seen while the analyser calibrates or reports an error.
    """

    station_id: str
    parameter: str  # "" for station-level rules
    rule: str
    rule_type: RuleType
    active: bool
    at: int
    severity: Severity
    value: float | None = None
    unit: str | None = None
    limit_value: float | None = None
    ratio: float | None = None
    band: int | None = None
    averaging: str | None = None
    episode_id: int | None = None
    suppressed: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    # Set for an alert about something other than a station (``destination:<id>``); the
    # alert is then stored without a station and ``station_id`` is ignored.
    subject: str | None = None

    @property
    def key(self) -> str:
        """The one-open-alert key."""
        return open_key(self.subject or self.station_id, self.parameter, self.rule)


def open_key(station_id: str, parameter: str, rule: str) -> str:
    """``station|parameter|rule`` (``subject|parameter|rule`` for an alert without a station):
    unique among alerts that are not resolved."""
    return f"{station_id}|{parameter}|{rule}"


def subject_of(row: Any) -> str:
    """What a stored alert is about: its station id, else its subject."""
    return str(row.station_id if row.station_id is not None else row.subject)


@dataclass(frozen=True, slots=True)
class AlertView:
    """The fields of a stored, not yet resolved alert that the lifecycle needs."""

    id: int
    state: str
    severity: str
    band: int | None
    created_at: int
    clear_since: int | None
    last_notified_at: int | None
    escalated_at: int | None
    reminders: int
    episodes: tuple[int, ...] = ()


@dataclass
class Transition:
    """What to persist: a new alert (``create``) or field ``update``s, plus history events."""

    create: dict[str, Any] | None = None
    update: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing changes."""
        return self.create is None and not self.update and not self.events


def _measure(sig: Signal) -> dict[str, Any]:
    return {
        "value": sig.value,
        "unit": sig.unit,
        "limit_value": sig.limit_value,
        "ratio": sig.ratio,
        "averaging": sig.averaging,
    }


def _episodes(current: tuple[int, ...], sig: Signal) -> tuple[int, ...]:
    if sig.episode_id is None:
        return current
    if sig.active:
        return current if sig.episode_id in current else (*current, sig.episode_id)
    return tuple(e for e in current if e != sig.episode_id)


def apply_signal(alert: AlertView | None, sig: Signal, now: int, hold_s: int) -> Transition:
    """Fold one observation into the alert of its key (``alert`` is None when none is open)."""
    if alert is None:
        if not sig.active:
            return Transition()
        state = SUPPRESSED if sig.suppressed else FIRING
        episodes = _episodes((), sig)
        return Transition(
            create={
                **_measure(sig),
                "station_id": None if sig.subject else sig.station_id,
                "subject": sig.subject,
                "parameter": sig.parameter,
                "rule": sig.rule,
                "rule_type": sig.rule_type.value,
                "state": state,
                "severity": sig.severity.value,
                "open_key": sig.key,
                "episode_id": sig.episode_id,
                "band": sig.band,
                "opened_at": sig.at,
                "created_at": now,
                "updated_at": now,
                "last_notified_at": now,
                "reminders": 0,
                "details": {**sig.details, "episodes": list(episodes)},
            },
            events=[("suppressed" if sig.suppressed else "opened", {"at": sig.at})],
        )
    episodes = _episodes(alert.episodes, sig)
    active = bool(episodes) if sig.episode_id is not None else sig.active
    t = Transition()
    if episodes != alert.episodes:
        t.update["episodes"] = list(episodes)
    if not active:
        if alert.clear_since is None:
            t.update["clear_since"] = sig.at
            t.events.append(("clearing", {"at": sig.at}))
            # Resolve at once only with no hold; otherwise followups() decides on a later clock.
            return _merge(t, hold_expired(alert, sig.at, sig.at, hold_s))
        return t
    if alert.clear_since is not None:
        # The condition came back within the hold time: the same alert continues (no flap).
        t.update["clear_since"] = None
        t.events.append(("reactivated", {"at": sig.at}))
    if alert.state == SUPPRESSED and not sig.suppressed:
        t.update.update(state=FIRING, last_notified_at=now, **_measure(sig))
        t.events.append(("opened", {"at": sig.at, "after_instrument": True}))
    raised = sig.band is not None and (alert.band is None or sig.band > alert.band)
    if raised:
        t.update.update(band=sig.band, **_measure(sig))
        if Severity(sig.severity).rank > Severity(alert.severity).rank:
            t.update["severity"] = sig.severity.value
        if alert.state != SUPPRESSED or "state" in t.update:
            t.events.append(("escalated", {"at": sig.at, "band": sig.band, "from": alert.band}))
    if t.update or t.events:
        t.update["updated_at"] = now
    return t


def hold_expired(alert: AlertView, clear_since: int | None, now: int, hold_s: int) -> Transition:
    """Resolve once the condition has stayed clear for the hold time (the flapping guard)."""
    if clear_since is None or now - clear_since < hold_s:
        return Transition()
    return Transition(
        update={
            "state": RESOLVED,
            "open_key": None,
            "resolved_at": clear_since,
            "updated_at": now,
        },
        events=[("resolved", {"at": clear_since, "silent": alert.state == SUPPRESSED})],
    )


def followups(alert: AlertView, now: int, policy: Policy, clock: int | None = None) -> Transition:
    """Hold expiry, then reminders while firing unacknowledged and one escalation.

    ``clock`` measures the hold (the station's data time for data-driven rules); reminders
    and escalation always use the wall clock ``now``.
    """
    t = hold_expired(
        alert, alert.clear_since, now if clock is None else clock, policy.resolve_hold_s
    )
    if not t.empty:
        t.update["updated_at"] = now
    if not t.empty or alert.state != FIRING or alert.clear_since is not None:
        return t
    if alert.escalated_at is None and now - alert.created_at >= policy.escalate_after_s:
        t.update["escalated_at"] = now
        t.events.append(("unacknowledged", {"minutes": policy.escalate_after_s // 60}))
    last = alert.last_notified_at or alert.created_at
    if now - last >= policy.reminder_s:
        t.update.update(last_notified_at=now, reminders=alert.reminders + 1)
        t.events.append(("reminder", {"n": alert.reminders + 1}))
    if t.update:
        t.update["updated_at"] = now
    return t


def acknowledge(alert_state: str, by: str, comment: str | None, now: int) -> Transition:
    """Acknowledge an open alert: it stops reminders and escalation.

    Acknowledging twice keeps the first acknowledgement (it is the evidence) and records the
    second as history only. Resolved alerts are refused by the caller (HTTP 409).
    """
    if alert_state == ACKNOWLEDGED:
        return Transition(events=[("acknowledged", {"again": True})])
    return Transition(
        update={
            "state": ACKNOWLEDGED,
            "acked_by": by,
            "acked_at": now,
            "ack_comment": comment,
            "updated_at": now,
        },
        events=[("acknowledged", {})],
    )


def _merge(a: Transition, b: Transition) -> Transition:
    a.update.update(b.update)
    a.events.extend(b.events)
    return a
