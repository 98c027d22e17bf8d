"""A version of everything a readings answer is made of, for caches of finished answers.

Readings, hourly means, conflicts and format notes are only ever added, each in the transaction
that records its file, so the newest ``ingested_files.id`` moves whenever any of them changes;
the site registry (units, parameters) has its own revision counter. Both are one index read.
"""

from __future__ import annotations

from sqlalchemy import Connection

from stations.store.dbapi import fetch_all
from stations.store.revisions import REGISTRY

# On the DBAPI cursor: every readings request reads this, cached answer or not.
_VERSION = (
    "SELECT (SELECT max(id) FROM ingested_files), (SELECT value FROM revisions WHERE name = ?)"
)


def readings_version(conn: Connection) -> tuple[int, int]:
    """``(newest file id, registry revision)``: equal values mean equal readings answers."""
    newest, registry = fetch_all(conn, _VERSION, [REGISTRY])[0]
    return int(newest or 0), int(registry or 0)
