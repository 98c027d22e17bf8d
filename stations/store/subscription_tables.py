"""Citizens' subscriptions of the public portal (issue 18, migration 0012).

Minimum personal data: one address (e-mail or webhook URL), the commune, the topic and its
threshold, the language. No name, no telephone. The link token is stored only as its SHA-256;
unsubscribing deletes the row.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from stations.store.metadata import metadata

public_subscriptions = Table(
    "public_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True, comment="sha256 of the link"),
    Column("channel", String(16), nullable=False, comment="email | webhook"),
    Column("address", Text, nullable=False, comment="e-mail address or webhook URL"),
    Column("commune", String(128), nullable=False, comment="commune name, folded"),
    Column("topic", String(16), nullable=False, comment="aqi | warning"),
    Column("threshold", Integer, nullable=False, comment="AQI category 1..6 or level 1..5"),
    Column("lang", String(2), nullable=False, comment="vi | en"),
    Column("created_at", BigInteger, nullable=False),
    Column("confirmed_at", BigInteger, nullable=True, comment="NULL until the link is opened"),
)
Index("ix_public_subscriptions_commune", public_subscriptions.c.commune)
