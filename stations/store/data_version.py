"""A version of everything a readings answer is made of, for caches of finished answers.

Readings, hourly means, conflicts and format notes are only ever added, each in the transaction
that records its file, so the newest ``ingested_files.id`` moves whenever any of them changes;
the site registry (units, parameters) has its own revision counter. Both are one index read.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from stations.store.revisions import REGISTRY, revisions
from stations.store.schema import ingested_files

# Built once: constructing a statement costs several times its execution (every readings
# request reads this, cached answer or not).
_VERSION = select(
    select(func.max(ingested_files.c.id)).scalar_subquery(),
    select(revisions.c.value).where(revisions.c.name == REGISTRY).scalar_subquery(),
)


def readings_version(conn: Connection) -> tuple[int, int]:
    """``(newest file id, registry revision)``: equal values mean equal readings answers."""
    newest, registry = conn.execute(_VERSION).one()
    return int(newest or 0), int(registry or 0)
