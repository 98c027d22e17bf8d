"""Revision counters: one integer per kind of configuration, bumped in the same transaction as
each change, for every cache fingerprint.

``(count, max(updated_at))`` has a one-second resolution: two administrator edits within one
second left a stale cached registry or layer served indefinitely (probe F5). A counter never
repeats, is seen by every process at its next check, and costs one indexed row read.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Connection, String, Table, insert, select, update

from stations.store.metadata import metadata

REGISTRY, PERMITS, LIMITS = "registry", "permits", "limits"
NAMES = (REGISTRY, PERMITS, LIMITS)

revisions = Table(
    "revisions",
    metadata,
    Column("name", String(64), primary_key=True, comment="registry | permits | limits"),
    Column("value", BigInteger, nullable=False, comment="bumped by every change"),
)


def bump(conn: Connection, *names: str) -> None:
    """Add one to each named counter (inside the caller's transaction)."""
    for name in names:
        done = conn.execute(
            update(revisions).where(revisions.c.name == name).values(value=revisions.c.value + 1)
        )
        if done.rowcount == 0:
            conn.execute(insert(revisions).values(name=name, value=1))


def current(conn: Connection, *names: str) -> tuple[int, ...]:
    """The counters' values, in the order named (0 for one never bumped)."""
    rows = dict(
        conn.execute(select(revisions.c.name, revisions.c.value).where(revisions.c.name.in_(names)))
        .tuples()
        .all()
    )
    return tuple(int(rows.get(n, 0)) for n in names)
