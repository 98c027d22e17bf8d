"""Persist a lifecycle transition: the alert row, its history, its texts and its outbox rows.

Everything happens in the caller's transaction, so an alert change and the messages that
announce it are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection

from stations.alerts.channels import CHANNELS, Notice
from stations.alerts.config import AlertConfig
from stations.alerts.documents import alert_document, link_of
from stations.alerts.forward_lag import destination_of
from stations.alerts.lifecycle import NOTIFYING, SUPPRESSED, Transition, subject_of
from stations.alerts.messages import SiteInfo, email_text, one_line, site_of
from stations.alerts.routing import AlertScope, recipients
from stations.parameters import catalogue
from stations.store import alert_outbox, alerts
from stations.timeutil import VN_TZ


@dataclass(frozen=True, slots=True)
class Notifier:
    """What notifications need besides the alert: config, sites, link base and time zone."""

    config: AlertConfig
    sites: dict[str, SiteInfo]
    base_url: str
    tz: tzinfo = VN_TZ

    def param_names(self, code: str) -> tuple[str, str]:
        """Vietnamese and English names of a parameter (the code when unknown)."""
        p = catalogue().get(code)
        return (p.name_vi, p.name_en) if p else (code, code)


def persist(
    conn: Connection,
    n: Notifier,
    t: Transition,
    now: int,
    alert_id: int | None = None,
    *,
    quiet: bool = False,
) -> tuple[Any, int]:
    """Write ``t``; returns the fresh alert row and the number of outbox messages queued
    (none when ``quiet``: the alert and its events are recorded, nobody is notified)."""
    was_suppressed = t.create is None and _state(conn, alert_id) == SUPPRESSED
    alert_id, written = alerts.apply_transition(conn, t, now, alert_id)
    row = _fresh(conn, alert_id)
    site = site_of(n.sites, row)
    p_vi, p_en = n.param_names(row.parameter)
    vi, en = one_line(row._mapping, site, p_vi, p_en)
    if (vi, en) != (row.message_vi, row.message_en):
        alerts.set_messages(conn, alert_id, vi, en)
        row = _fresh(conn, alert_id)
    silent = quiet or row.state == SUPPRESSED or (row.state == "resolved" and was_suppressed)
    queued = 0
    for event_id, name in written:
        if name in NOTIFYING and not silent:
            queued += _enqueue(conn, n, row, site, (p_vi, p_en), event_id, name, now)
    return row, queued


def _fresh(conn: Connection, alert_id: int) -> Any:
    row = alerts.get_alert(conn, alert_id)
    assert row is not None  # written in this transaction
    return row


def _state(conn: Connection, alert_id: int | None) -> str | None:
    if alert_id is None:
        return None
    row = alerts.get_alert(conn, alert_id)
    return row.state if row else None


def _enqueue(
    conn: Connection,
    n: Notifier,
    row: Any,
    site: SiteInfo,
    names: tuple[str, str],
    event_id: int,
    notification: str,
    now: int,
) -> int:
    communes = tuple(str(c) for c in (row.details or {}).get("communes", ()))
    scope = AlertScope(
        subject_of(row),
        site.facility,
        site.kind,
        row.parameter or None,
        row.severity,
        destination=destination_of(row.subject),
        communes=communes,
    )
    deliveries = recipients(n.config, scope, notification, escalated=row.escalated_at is not None)
    if not deliveries:
        return 0
    document = alert_document(row, site, base_url=n.base_url, tz=n.tz)
    link = link_of(n.base_url, row)
    subject, body = email_text(
        notification, row._mapping, site, names[0], names[1], map_url=link, tz=n.tz
    )
    for d in deliveries:
        key = alert_outbox.make_key(row.id, event_id, d.channel, d.contact_id)
        notice = Notice(notification, event_id, key, now, subject, body, document, n.tz)
        payload = CHANNELS[d.channel].payload(notice)
        alert_outbox.enqueue(
            conn,
            alert_id=row.id,
            event_id=event_id,
            channel=d.channel,
            recipient=d.contact_id,
            address=d.address,
            key=key,
            payload=payload,
            now=now,
        )
    return len(deliveries)
