"""Pure builders: (rule, observation) → :class:`Signal` for each rule type."""

from __future__ import annotations

import re
from typing import Any

from stations.alerts.bands import Severity, band_of, severity_of_band
from stations.alerts.config import DEFAULT_SEVERITY, Rule, RuleType
from stations.alerts.lifecycle import Signal
from stations.status import DataStatus, data_status

# compliance_events.event → (rule type, condition active)
COMPLIANCE_EVENTS = {
    "opened": (RuleType.EXCEEDANCE, True),
    "escalated": (RuleType.EXCEEDANCE, True),
    "closed": (RuleType.EXCEEDANCE, False),
    "near_limit_opened": (RuleType.NEAR_LIMIT, True),
    "near_limit_closed": (RuleType.NEAR_LIMIT, False),
}
AQI_VERY_BAD = 201  # "Rất xấu" (QĐ 1459/QĐ-TCMT): critical instead of major


def averaging_seconds(averaging: str | None) -> int:
    """``"1h"`` → 3600, ``"24h"`` → 86400, ``"30min"`` → 1800; unknown → one hour."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(h|min|m|d)\w*\s*", averaging or "")
    if not m:
        return 3600
    return int(float(m[1]) * {"h": 3600, "min": 60, "m": 60, "d": 86400}[m[2]])


def compliance_signal(rule: Rule, ev: Any, *, suppressed: bool) -> Signal:
    """A compliance event (see the compliance_events contract) as a signal."""
    rule_type, active = COMPLIANCE_EVENTS[ev.event]
    ratio = ev.ratio
    if ratio is None and ev.value is not None and ev.limit_value:
        ratio = ev.value / ev.limit_value
    band = None
    if rule_type == RuleType.EXCEEDANCE and ratio is not None:
        band = ev.band if ev.band is not None else band_of(ratio)
    severity = rule.severity or (
        severity_of_band(band) if band is not None else DEFAULT_SEVERITY[rule_type]
    )
    return Signal(
        station_id=ev.station_id,
        parameter=ev.parameter,
        rule=rule.id,
        rule_type=rule_type,
        active=active,
        at=int(ev.at),
        severity=Severity(severity),
        value=ev.value,
        unit=ev.unit,
        limit_value=ev.limit_value,
        ratio=ratio,
        band=band,
        averaging=ev.averaging,
        episode_id=ev.episode_id,
        suppressed=suppressed,
    )


def instrument_signal(
    rule: Rule, station_id: str, parameter: str, *, active: bool, at: int, **details: Any
) -> Signal:
    """A device-error or calibration signal for one (station, parameter)."""
    return Signal(
        station_id=station_id,
        parameter=parameter,
        rule=rule.id,
        rule_type=rule.type,
        active=active,
        at=at,
        severity=rule.severity or DEFAULT_SEVERITY[rule.type],
        details=details,
    )


def silence_signal(
    rule: Rule, station_id: str, last: int, now: int, interval_s: float, intervals: int
) -> Signal:
    """Delayed/offline: silent once ``intervals`` expected intervals (+ grace) have passed."""
    silent = data_status(last, now, interval_s, intervals) == DataStatus.OFFLINE
    return Signal(
        station_id=station_id,
        parameter="",
        rule=rule.id,
        rule_type=rule.type,
        active=silent,
        at=int(last + intervals * interval_s) if silent else last,
        severity=rule.severity or DEFAULT_SEVERITY[rule.type],
        details={"last_data_at": last, "intervals": intervals},
    )


def aqi_signal(rule: Rule, station_id: str, value: float, at: int, threshold: float) -> Signal:
    """Hourly VN_AQI at or above the threshold (151 = "Xấu")."""
    severity = rule.severity or (Severity.CRITICAL if value >= AQI_VERY_BAD else Severity.MAJOR)
    return Signal(
        station_id=station_id,
        parameter="",
        rule=rule.id,
        rule_type=RuleType.AQI,
        active=value >= threshold,
        at=at,
        severity=severity,
        value=value,
        unit="VN_AQI",
        averaging="1h",
    )
