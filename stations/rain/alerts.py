"""Alerts on warning levels: one alert per place and level, through the common alert lifecycle.

A place whose issued level (after hysteresis) reaches level L opens the alert
``qd18:<place type>:<place id>:<L>``; reaching L+1 opens another one (one alert per commune per
level), so the duty officer is told of every rise. When the issued level falls below L the
alert starts clearing and is resolved once it stayed clear for the hold (here, or by the alert
engine's follow-ups), like every other alert. The alert hangs on the gauge that weighs most for
the place (alerts belong to a station); it keeps that gauge for its whole life. The alert's
details name the communes it is about (the commune itself, or those a zone touches): routing
adds their contacts (``communes`` of the alerts file) and the portal its subscribers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from stations.alerts.bands import Severity
from stations.alerts.config import AlertConfig, RuleType
from stations.alerts.lifecycle import Signal, apply_signal, hold_expired
from stations.alerts.messages import SiteInfo
from stations.alerts.notify import Notifier, persist
from stations.store.alert_tables import alerts
from stations.store.alerts import view_of

MAX_LEVEL = 5
SEVERITY_OF_LEVEL = {1: Severity.WARNING, 2: Severity.MAJOR}  # 3..5: critical


def rule_of(place_type: str, place_id: str, level: int) -> str:
    """The alert rule id of one place and level (fits the 64-character column)."""
    return f"qd18:{place_type}:{place_id}"[:60] + f":{level}"


def _open_by_rule(conn: Connection, prefix: str) -> dict[str, Any]:
    query = select(alerts).where(alerts.c.rule.like(f"{prefix}%"), alerts.c.open_key.isnot(None))
    return {r.rule: r for r in conn.execute(query)}


def raise_alerts(
    conn: Connection,
    rows: Iterable[dict[str, Any]],
    names: dict[tuple[str, str], str],
    config: AlertConfig,
    now: int,
    *,
    base_url: str,
    hold_s: int,
    zone_communes: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> int:
    """Fold assessments (time-ordered; several times allowed) into alerts; returns the
    messages queued. ``zone_communes`` names the communes each zone touches: their contacts
    are told of the zone's alerts as well as of their own commune's."""
    open_now = _open_by_rule(conn, "qd18:")
    queued = 0
    for r in rows:
        key = (r["place_type"], r["place_id"])
        issued = r["issued_level"] or 0
        gauges = sorted(r["gauges"], key=lambda g: -g[2])
        communes = [key[1]] if key[0] == "commune" else list((zone_communes or {}).get(key, ()))
        for level in range(1, MAX_LEVEL + 1):
            rule = rule_of(*key, level)
            current = open_now.get(rule)
            active = issued >= level
            if current is None and (not active or not gauges):
                continue
            station = current.station_id if current is not None else gauges[0][0]
            place = names.get(key, key[1])
            site = SiteInfo(station, f"{place} — cấp độ {level} / level {level}", None, "rain")
            sig = Signal(
                station_id=station,
                parameter="",  # a place-level alert: the value is the 24-h rain, not a reading
                rule=rule,
                rule_type=RuleType.RAIN_WARNING,
                active=active,
                at=r["at"],
                severity=SEVERITY_OF_LEVEL.get(level, Severity.CRITICAL),
                value=None if r["rain24"] is None else round(r["rain24"], 1),
                unit="mm",
                band=level,
                details={
                    "place_type": key[0],
                    "place_id": key[1],
                    "reason": r["reason"],
                    "citation": r["citation"],
                    "provisional": r["provisional"],
                    "communes": communes,
                },
            )
            notifier = Notifier(config, {station: site}, base_url)
            if current is not None and current.clear_since is not None:
                # Cleared for the whole hold: resolve (and, if active again, open a new alert).
                late = hold_expired(view_of(current), current.clear_since, sig.at, hold_s)
                if not late.empty:
                    queued += persist(conn, notifier, late, now, current.id)[1]
                    open_now.pop(rule, None)
                    current = None
                elif not active:
                    continue
            t = apply_signal(view_of(current) if current else None, sig, now, hold_s)
            if not t.empty:
                row, n = persist(conn, notifier, t, now, current.id if current else None)
                queued += n
                if row.open_key is None:
                    open_now.pop(rule, None)
                else:
                    open_now[rule] = row
    return queued
