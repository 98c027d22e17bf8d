"""What people do to alerts: acknowledge one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from stations.alerts.errors import AlertAlreadyResolved, UnknownAlert
from stations.alerts.lifecycle import RESOLVED, acknowledge
from stations.store import alerts


def acknowledge_alert(
    conn: Connection, alert_id: int, *, by: str, comment: str | None, now: int
) -> Any:
    """Acknowledge an alert (stops its reminders and escalation); returns the fresh row.

    Raises:
        UnknownAlert: no such id.
        AlertAlreadyResolved: the alert is resolved.
    """
    row = alerts.get_alert(conn, alert_id)
    if row is None:
        raise UnknownAlert(alert_id)
    if row.state == RESOLVED:
        raise AlertAlreadyResolved(alert_id)
    t = acknowledge(row.state, by, comment, now)
    t.events = [(name, {**d, "actor": by, "comment": comment}) for name, d in t.events]
    alerts.apply_transition(conn, t, now, alert_id)
    return alerts.get_alert(conn, alert_id)
