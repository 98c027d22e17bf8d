"""Forwarding to the national system: per-destination outbox (issue 19).

Mirrors stations/store/forward_tables.py exactly, and lets an alert's subject be something
other than a station (the forwarding lag alert is about a destination): ``alerts.station_id``
becomes nullable and ``alerts.subject`` names the subject (stations/store/alert_tables.py).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forward_outbox",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("destination", sa.String(64), nullable=False, comment="destination id (forwarding file)"),
        sa.Column("file_id", sa.Integer, nullable=False),
        sa.Column("station_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, comment="site kind: air | wastewater | fluegas"),
        sa.Column("observed_at", sa.BigInteger, nullable=False, comment="first reading of the file"),
        sa.Column("received_at", sa.BigInteger, nullable=False, comment="when we committed the file"),
        sa.Column("state", sa.String(16), nullable=False, comment="pending | sent | dead"),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("remote_path", sa.Text, nullable=True, comment="final path confirmed at the destination"),
        sa.Column("remote_size", sa.BigInteger, nullable=True, comment="size the destination reported"),
        sa.Column("sent_at", sa.BigInteger, nullable=True, comment="receipt time"),
        sa.Column("refills", sa.Integer, nullable=False, comment="times reconcile requeued it"),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["ingested_files.id"], name="fk_forward_outbox_file_id_ingested_files"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_forward_outbox"),
    )
    op.create_index(
        "ux_forward_outbox_destination_file",
        "forward_outbox",
        ["destination", "file_id"],
        unique=True,
    )
    op.create_index(
        "ix_forward_outbox_queue",
        "forward_outbox",
        ["destination", "state", "observed_at"],
    )
    op.create_index("ix_forward_outbox_sent", "forward_outbox", ["destination", "sent_at"])
    op.create_index("ix_forward_outbox_observed", "forward_outbox", ["destination", "observed_at"])
    # SQLite cannot alter a column's nullability in place: batch mode rebuilds the table.
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("station_id", existing_type=sa.String(64), nullable=True)
        batch.add_column(
            sa.Column(
                "subject",
                sa.String(80),
                nullable=True,
                comment="what the alert is about when not a station, e.g. destination:ministry",
            )
        )


def downgrade() -> None:
    # Alerts about a destination have no station: they cannot survive the NOT NULL again.
    op.execute(
        "DELETE FROM alert_outbox WHERE alert_id IN (SELECT id FROM alerts WHERE station_id IS NULL)"
    )
    op.execute(
        "DELETE FROM alert_events WHERE alert_id IN (SELECT id FROM alerts WHERE station_id IS NULL)"
    )
    op.execute("DELETE FROM alerts WHERE station_id IS NULL")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("subject")
        batch.alter_column("station_id", existing_type=sa.String(64), nullable=False)
    op.drop_index("ix_forward_outbox_observed", table_name="forward_outbox")
    op.drop_index("ix_forward_outbox_sent", table_name="forward_outbox")
    op.drop_index("ix_forward_outbox_queue", table_name="forward_outbox")
    op.drop_index("ux_forward_outbox_destination_file", table_name="forward_outbox")
    op.drop_table("forward_outbox")
