"""Tables for alerts and outbox (issue 5).

Mirrors stations/store/alert_tables.py exactly.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("parameter", sa.String(32), nullable=False, comment="'' for station-level rules"),
        sa.Column("rule", sa.String(64), nullable=False, comment="rule id from the alerts file"),
        sa.Column("rule_type", sa.String(24), nullable=False, comment="exceedance | offline | ..."),
        sa.Column(
            "state",
            sa.String(16),
            nullable=False,
            comment="suppressed | firing | acknowledged | resolved",
        ),
        sa.Column("severity", sa.String(16), nullable=False, comment="info | warning | major | critical"),
        sa.Column("open_key", sa.String(200), nullable=True, comment="set while not resolved"),
        sa.Column("episode_id", sa.Integer, nullable=True, comment="compliance episode that opened it"),
        sa.Column("value", sa.Float, nullable=True, comment="mean value, in unit"),
        sa.Column("unit", sa.String(32), nullable=True),
        sa.Column("limit_value", sa.Float, nullable=True, comment="applicable limit, in unit"),
        sa.Column("ratio", sa.Float, nullable=True, comment="value / limit"),
        sa.Column("band", sa.Integer, nullable=True, comment="Decree 45/2022 band index 0..5"),
        sa.Column("averaging", sa.String(16), nullable=True, comment="1h | 8h | 24h ..."),
        sa.Column("opened_at", sa.BigInteger, nullable=False, comment="when the condition began (data)"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.Column("clear_since", sa.BigInteger, nullable=True, comment="condition false since (hold)"),
        sa.Column("resolved_at", sa.BigInteger, nullable=True),
        sa.Column("acked_by", sa.Text, nullable=True),
        sa.Column("acked_at", sa.BigInteger, nullable=True),
        sa.Column("ack_comment", sa.Text, nullable=True),
        sa.Column("last_notified_at", sa.BigInteger, nullable=True, comment="last opened/reminder"),
        sa.Column("reminders", sa.Integer, nullable=False),
        sa.Column("escalated_at", sa.BigInteger, nullable=True, comment="sent to the escalation list"),
        sa.Column("message_vi", sa.Text, nullable=False),
        sa.Column("message_en", sa.Text, nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["sites.id"], name="fk_alerts_station_id_sites"),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("open_key", name="uq_alerts_open_key"),
    )
    op.create_index("ix_alerts_state", "alerts", ["state"])
    op.create_index("ix_alerts_station_id", "alerts", ["station_id"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("event", sa.String(24), nullable=False, comment="opened | escalated | reminder | ..."),
        sa.Column("actor", sa.Text, nullable=True),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("details", sa.JSON, nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_alert_events_alert_id_alerts"),
        sa.PrimaryKeyConstraint("id", name="pk_alert_events"),
    )
    op.create_index("ix_alert_events_alert_id", "alert_events", ["alert_id"])
    op.create_table(
        "alert_outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer, nullable=False),
        sa.Column("event_id", sa.Integer, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False, comment="email | webhook"),
        sa.Column("recipient", sa.String(64), nullable=False, comment="contact id"),
        sa.Column("address", sa.Text, nullable=False, comment="e-mail address or webhook URL"),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False, comment="snapshot sent on every attempt"),
        sa.Column("state", sa.String(16), nullable=False, comment="pending | sent | dead"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("sent_at", sa.BigInteger, nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name="fk_alert_outbox_alert_id_alerts"),
        sa.ForeignKeyConstraint(
            ["event_id"], ["alert_events.id"], name="fk_alert_outbox_event_id_alert_events"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_alert_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_alert_outbox_idempotency_key"),
    )
    op.create_index("ix_alert_outbox_state", "alert_outbox", ["state", "next_attempt_at"])
    op.create_index("ix_alert_outbox_alert_id", "alert_outbox", ["alert_id"])
    op.create_table(
        "alert_cursors",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_alert_cursors"),
    )


def downgrade() -> None:
    op.drop_table("alert_cursors")
    op.drop_index("ix_alert_outbox_alert_id", table_name="alert_outbox")
    op.drop_index("ix_alert_outbox_state", table_name="alert_outbox")
    op.drop_table("alert_outbox")
    op.drop_index("ix_alert_events_alert_id", table_name="alert_events")
    op.drop_table("alert_events")
    op.drop_index("ix_alerts_station_id", table_name="alerts")
    op.drop_index("ix_alerts_state", table_name="alerts")
    op.drop_table("alerts")
