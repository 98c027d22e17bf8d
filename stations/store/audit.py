"""The audit trail: an append-only record of who changed what, when, and why.

Every area calls :func:`record_audit` inside the same transaction as the change it describes,
so a change and its audit entry are committed (or rolled back) together::

    with engine.begin() as conn:
        before = ...                      # the state before, as a JSON-ready dict
        conn.execute(update(...))
        record_audit(conn, actor="lan", action="alert.ack", target="alert:42",
                     before=before, after={"state": "acknowledged"}, reason="đã xử lý")

Actors are usernames for web requests, ``cli:<os user>`` for the command line and ``system``
for scheduled jobs. Actions are dotted ``<thing>.<verb>`` names. Rows are never updated or
deleted (the migration installs triggers that refuse it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from stations.store.account_tables import audit_log
from stations.store.ids import inserted_id
from stations.timeutil import now_epoch


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One row of the audit trail."""

    id: int
    at: int
    actor: str
    action: str
    target: str
    before: Any
    after: Any
    reason: str | None


def _jsonable(value: Any) -> Any:
    # Round-trip through JSON so what is stored is exactly what will be read back later
    # (datetimes and other odd types become strings instead of failing at commit time).
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def record_audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str,
    before: Mapping[str, Any] | Sequence[Any] | None = None,
    after: Mapping[str, Any] | Sequence[Any] | None = None,
    reason: str | None = None,
    *,
    at: int | None = None,
) -> int:
    """Append one entry to the audit trail and return its id.

    Args:
        conn: a connection inside the transaction that makes the change.
        actor: who did it (username, ``cli:<user>``, ``system``).
        action: dotted name, e.g. ``user.create``, ``permit.update``, ``reading.correct``.
        target: what it was done to, e.g. ``user:lan``, ``site:LS_SONNMT_KK01``.
        before: the state before the change (JSON-ready), or None for a creation.
        after: the state after the change (JSON-ready), or None for a removal.
        reason: the reason the person gave, if any.
        at: UTC epoch seconds; defaults to now.
    """
    if not actor or not action or not target:
        raise ValueError("audit entries need an actor, an action and a target")
    result = conn.execute(
        insert(audit_log).values(
            at=now_epoch() if at is None else at,
            actor=actor[:64],
            action=action[:64],
            target=target,
            before=_jsonable(before),
            after=_jsonable(after),
            reason=reason,
        )
    )
    return inserted_id(result)


def list_audit(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    start: int | None = None,
    end: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries matching the filters, newest first, and the total number that match.

    ``action`` and ``target`` match a prefix (``user.`` lists every user action, ``site:LS_``
    every site whose id starts so); ``start``/``end`` bound ``at`` (start inclusive, end
    exclusive).
    """
    conditions: list[ColumnElement[bool]] = []
    if actor:
        conditions.append(audit_log.c.actor == actor)
    if action:
        conditions.append(audit_log.c.action.startswith(action, autoescape=True))
    if target:
        conditions.append(audit_log.c.target.startswith(target, autoescape=True))
    if start is not None:
        conditions.append(audit_log.c.at >= start)
    if end is not None:
        conditions.append(audit_log.c.at < end)
    total = conn.scalar(select(func.count()).select_from(audit_log).where(*conditions)) or 0
    rows = conn.execute(
        select(audit_log)
        .where(*conditions)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    entries = [
        AuditEntry(
            id=r.id,
            at=r.at,
            actor=r.actor,
            action=r.action,
            target=r.target,
            before=r.before,
            after=r.after,
            reason=r.reason,
        )
        for r in rows
    ]
    return entries, int(total)


def row_as_dict(row: Any, columns: Sequence[str] | None = None) -> dict[str, Any]:
    """A JSON-ready dict of a result row (optionally only some columns)."""
    mapping = dict(row._mapping)
    if columns is not None:
        mapping = {k: mapping[k] for k in columns if k in mapping}
    return _jsonable(mapping)  # type: ignore[no-any-return]


def audited_update(
    conn: Connection,
    table: Table,
    where: ColumnElement[bool],
    values: Mapping[str, Any],
    *,
    actor: str,
    action: str,
    target: str,
    reason: str | None = None,
    at: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Update the one row ``where`` selects and record before/after in the trail.

    Only the changed columns appear in the audit entry. Returns ``(before, after)`` of those
    columns, or None when no row matched (nothing is written then). A call that changes
    nothing is still recorded, since someone asked for it.
    """
    row = conn.execute(select(table).where(where)).first()
    if row is None:
        return None
    current = dict(row._mapping)
    unknown = set(values) - set(current)
    if unknown:
        raise ValueError(f"unknown columns for {table.name}: {sorted(unknown)}")
    conn.execute(update(table).where(where).values(**values))
    changed = [k for k in values if current[k] != values[k]]
    before = _jsonable({k: current[k] for k in changed})
    after = _jsonable({k: values[k] for k in changed})
    record_audit(conn, actor, action, target, before, after, reason, at=at)
    return before, after
