"""Tables of the alert engine: alerts, their history, the delivery outbox and input cursors.

An alert is one (station, parameter, rule) condition (or, with ``station_id`` NULL, one
condition of another ``subject``, e.g. ``destination:ministry`` for the forwarding lag) from
the moment it fires until it is resolved. ``open_key`` is set while the alert is not resolved
and cleared on resolution, so a unique constraint on it guarantees one open alert per key on
both backends (NULLs never clash).
Times are UTC epoch seconds, as everywhere else.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from stations.store.metadata import metadata

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("station_id", String(64), ForeignKey("sites.id"), nullable=True),  # NULL: subject
    Column("parameter", String(32), nullable=False, comment="'' for station-level rules"),
    Column("rule", String(64), nullable=False, comment="rule id from the alerts file"),
    Column("rule_type", String(24), nullable=False, comment="exceedance | offline | ..."),
    Column(
        "state",
        String(16),
        nullable=False,
        comment="suppressed | firing | acknowledged | resolved",
    ),
    Column("severity", String(16), nullable=False, comment="info | warning | major | critical"),
    Column("open_key", String(200), nullable=True, unique=True, comment="set while not resolved"),
    Column("episode_id", Integer, nullable=True, comment="compliance episode that opened it"),
    Column("value", Float, nullable=True, comment="mean value, in unit"),
    Column("unit", String(32), nullable=True),
    Column("limit_value", Float, nullable=True, comment="applicable limit, in unit"),
    Column("ratio", Float, nullable=True, comment="value / limit"),
    Column("band", Integer, nullable=True, comment="Decree 45/2022 band index 0..5"),
    Column("averaging", String(16), nullable=True, comment="1h | 8h | 24h ..."),
    Column("opened_at", BigInteger, nullable=False, comment="when the condition began (data)"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("clear_since", BigInteger, nullable=True, comment="condition false since (hold)"),
    Column("resolved_at", BigInteger, nullable=True),
    Column("acked_by", Text, nullable=True),
    Column("acked_at", BigInteger, nullable=True),
    Column("ack_comment", Text, nullable=True),
    Column("last_notified_at", BigInteger, nullable=True, comment="last opened/reminder"),
    Column("reminders", Integer, nullable=False, default=0),
    Column("escalated_at", BigInteger, nullable=True, comment="sent to the escalation list"),
    Column("message_vi", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("details", JSON, nullable=False, default=dict),
    Column(
        "subject",
        String(80),
        nullable=True,
        comment="what the alert is about when not a station, e.g. destination:ministry",
    ),
)
Index("ix_alerts_state", alerts.c.state)
Index("ix_alerts_station_id", alerts.c.station_id)

# Append-only history of every alert: the evidence of who was told what and when.
alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("at", BigInteger, nullable=False),
    Column("event", String(24), nullable=False, comment="opened | escalated | reminder | ..."),
    Column("actor", Text, nullable=True),
    Column("comment", Text, nullable=True),
    Column("details", JSON, nullable=False, default=dict),
)
Index("ix_alert_events_alert_id", alert_events.c.alert_id)

# Durable outbox: one row per (notification, recipient, channel). Rows are written in the same
# transaction as the alert change, so a crash can never lose a message nor send one unrecorded.
alert_outbox = Table(
    "alert_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("event_id", Integer, ForeignKey("alert_events.id"), nullable=False),
    Column("channel", String(16), nullable=False, comment="email | webhook"),
    Column("recipient", String(64), nullable=False, comment="contact id"),
    Column("address", Text, nullable=False, comment="e-mail address or webhook URL"),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("payload", JSON, nullable=False, comment="snapshot sent on every attempt"),
    Column("state", String(16), nullable=False, comment="pending | sent | dead"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Column("sent_at", BigInteger, nullable=True),
)
Index("ix_alert_outbox_state", alert_outbox.c.state, alert_outbox.c.next_attempt_at)
Index("ix_alert_outbox_alert_id", alert_outbox.c.alert_id)

# Where the alert engine stopped reading an append-only input (e.g. compliance_events ids).
alert_cursors = Table(
    "alert_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

__all__ = ["alert_cursors", "alert_events", "alert_outbox", "alerts"]
