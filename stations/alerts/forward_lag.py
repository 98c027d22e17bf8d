"""The forwarding lag rule: a destination whose oldest unconfirmed file waits too long.

The alert's subject is the destination (``destination:<id>``), not a station: it is stored
without a station. Lag is received → now of the oldest file not yet confirmed by the
destination (stations.forward.status); the threshold is the rule's ``after_minutes``, else the
forwarding file's ``lag_alert_minutes`` for that destination (``threshold_s`` of the reading).
Back under the threshold, the alert clears and resolves after the rule's hold like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

from stations.alerts.config import DEFAULT_SEVERITY, AlertConfig, Rule, RuleType
from stations.alerts.lifecycle import Signal

PREFIX = "destination:"


@dataclass(frozen=True, slots=True)
class LagReading:
    """One destination's backlog now, and the forwarding file's threshold for it."""

    destination: str
    lag_s: int  # received → now of the oldest unconfirmed file (0 without a backlog)
    pending: int
    oldest_received_at: int | None
    threshold_s: int


def subject(destination: str) -> str:
    """The alert subject of a destination."""
    return f"{PREFIX}{destination}"


def destination_of(subject_text: str | None) -> str | None:
    """The destination id of a subject, None when the subject is not a destination."""
    if subject_text is None or not subject_text.startswith(PREFIX):
        return None
    return subject_text[len(PREFIX) :]


def rule_for(config: AlertConfig, destination: str) -> Rule | None:
    """The most specific enabled ``forward_lag`` rule of a destination."""
    return config.rule_for(
        RuleType.FORWARD_LAG, station="", facility=None, kind="", destination=destination
    )


def threshold_of(rule: Rule, reading: LagReading) -> int:
    """The lag threshold, seconds: the rule's ``after_minutes``, else the forwarding file's."""
    return int(rule.after_minutes * 60) if rule.after_minutes is not None else reading.threshold_s


def lag_signal(rule: Rule, reading: LagReading, now: int) -> Signal:
    """Active while files wait and the oldest has waited longer than the threshold; the
    condition began when the oldest file crossed it."""
    threshold = threshold_of(rule, reading)
    active = reading.pending > 0 and reading.lag_s > threshold
    began = (reading.oldest_received_at or now) + threshold
    return Signal(
        station_id="",
        subject=subject(reading.destination),
        parameter="",
        rule=rule.id,
        rule_type=RuleType.FORWARD_LAG,
        active=active,
        at=min(began, now) if active else now,
        severity=rule.severity or DEFAULT_SEVERITY[RuleType.FORWARD_LAG],
        value=round(reading.lag_s / 60, 1),
        unit="min",
        limit_value=round(threshold / 60, 1),
        details={
            "destination": reading.destination,
            "pending": reading.pending,
            "oldest_received_at": reading.oldest_received_at,
        },
    )


def gone_signal(rule_id: str, subject_text: str, now: int) -> Signal:
    """Clears the alert of a destination no longer configured (or whose rule was disabled)."""
    return Signal(
        station_id="",
        subject=subject_text,
        parameter="",
        rule=rule_id,
        rule_type=RuleType.FORWARD_LAG,
        active=False,
        at=now,
        severity=DEFAULT_SEVERITY[RuleType.FORWARD_LAG],
    )
