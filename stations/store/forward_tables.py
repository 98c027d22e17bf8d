"""The forwarding outbox (issue 19): one row per (destination, received file).

A row is written in the transaction that records the file in ``ingested_files``, so a file is
queued for every destination that wants it exactly when it is committed. ``sent_at`` is the
receipt: the moment the destination confirmed the file under its final name (size checked after
the rename). Times are UTC epoch seconds.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from stations.store.metadata import metadata

forward_outbox = Table(
    "forward_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("destination", String(64), nullable=False, comment="destination id (forwarding file)"),
    Column("file_id", Integer, ForeignKey("ingested_files.id"), nullable=False),
    Column("station_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False, comment="site kind: air | wastewater | fluegas"),
    Column("observed_at", BigInteger, nullable=False, comment="first reading of the file"),
    Column("received_at", BigInteger, nullable=False, comment="when we committed the file"),
    Column("state", String(16), nullable=False, comment="pending | sent | dead"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", BigInteger, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("remote_path", Text, nullable=True, comment="final path confirmed at the destination"),
    Column("remote_size", BigInteger, nullable=True, comment="size the destination reported"),
    Column("sent_at", BigInteger, nullable=True, comment="receipt time"),
    Column("refills", Integer, nullable=False, default=0, comment="times reconcile requeued it"),
    Column("created_at", BigInteger, nullable=False),
)
# One row per destination and file: a file ingested or refilled again is not queued twice.
Index(
    "ux_forward_outbox_destination_file",
    forward_outbox.c.destination,
    forward_outbox.c.file_id,
    unique=True,
)
# The sender's query (the oldest pending rows of a destination) and the backlog counts.
Index(
    "ix_forward_outbox_queue",
    forward_outbox.c.destination,
    forward_outbox.c.state,
    forward_outbox.c.observed_at,
)
# Last receipt and the lag window.
Index("ix_forward_outbox_sent", forward_outbox.c.destination, forward_outbox.c.sent_at)
Index("ix_forward_outbox_observed", forward_outbox.c.destination, forward_outbox.c.observed_at)

__all__ = ["forward_outbox"]
