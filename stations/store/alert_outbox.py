"""The durable alert outbox: enqueue in the alert's transaction, claim due rows, record results.

Delivery is at-least-once: a row is marked sent only after the channel accepted it, and every
attempt carries the same idempotency key so receivers can drop repeats.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from stations.store.alert_tables import alert_outbox

PENDING, SENT, DEAD = "pending", "sent", "dead"


def make_key(alert_id: int, event_id: int, channel: str, recipient: str) -> str:
    """The idempotency key of one message: stable across retries and restarts."""
    return f"qt-{alert_id}-{event_id}-{channel}-{recipient}"


def enqueue(
    conn: Connection,
    *,
    alert_id: int,
    event_id: int,
    channel: str,
    recipient: str,
    address: str,
    key: str,
    payload: dict[str, Any],
    now: int,
) -> str:
    """Add one message under its idempotency key; returns the key."""
    conn.execute(
        insert(alert_outbox).values(
            alert_id=alert_id,
            event_id=event_id,
            channel=channel,
            recipient=recipient,
            address=address,
            idempotency_key=key,
            payload=payload,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return key


def due(conn: Connection, now: int, limit: int) -> list[Any]:
    """Pending messages whose next attempt is due, oldest first (skipping rows others hold).

    Only the oldest pending message of each channel and address is ever due: a newer one
    waits behind an older one in backoff, so a recipient gets messages in creation order
    after an outage (docs/alerts.md).
    """
    older = alert_outbox.alias("older")
    ahead = (
        select(older.c.id)
        .where(
            older.c.state == PENDING,
            older.c.channel == alert_outbox.c.channel,
            older.c.address == alert_outbox.c.address,
            older.c.id < alert_outbox.c.id,
        )
        .exists()
    )
    query = (
        select(alert_outbox)
        .where(
            alert_outbox.c.state == PENDING,
            alert_outbox.c.next_attempt_at <= now,
            ~ahead,
        )
        .order_by(alert_outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(conn.execute(query))


def mark_sent(conn: Connection, message_id: int, now: int) -> None:
    """Record a successful delivery."""
    conn.execute(
        update(alert_outbox)
        .where(alert_outbox.c.id == message_id)
        .values(state=SENT, sent_at=now, attempts=alert_outbox.c.attempts + 1, last_error=None)
    )


def mark_failed(
    conn: Connection, message_id: int, *, error: str, retry_at: int | None, now: int
) -> None:
    """Record a failed attempt: retry at ``retry_at``, or dead-letter when it is None."""
    values: dict[str, Any] = {
        "attempts": alert_outbox.c.attempts + 1,
        "last_error": error[:2000],
    }
    if retry_at is None:
        values.update(state=DEAD, next_attempt_at=now)
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(update(alert_outbox).where(alert_outbox.c.id == message_id).values(**values))


def requeue(conn: Connection, message_id: int, now: int) -> bool:
    """Put a dead-lettered message back in the queue; False when it is not dead."""
    done = conn.execute(
        update(alert_outbox)
        .where(alert_outbox.c.id == message_id, alert_outbox.c.state == DEAD)
        .values(state=PENDING, attempts=0, next_attempt_at=now)
    )
    return done.rowcount == 1


def list_messages(
    conn: Connection, *, state: str | None = None, alert_id: int | None = None, limit: int = 200
) -> list[Any]:
    """Outbox rows, newest first."""
    query = select(alert_outbox).order_by(alert_outbox.c.id.desc()).limit(limit)
    if state:
        query = query.where(alert_outbox.c.state == state)
    if alert_id is not None:
        query = query.where(alert_outbox.c.alert_id == alert_id)
    return list(conn.execute(query))


def delivery_counts(conn: Connection, alert_ids: list[int]) -> dict[int, dict[str, int]]:
    """``{alert_id: {state: count}}`` for the feed."""
    if not alert_ids:
        return {}
    query = (
        select(alert_outbox.c.alert_id, alert_outbox.c.state, func.count())
        .where(alert_outbox.c.alert_id.in_(alert_ids))
        .group_by(alert_outbox.c.alert_id, alert_outbox.c.state)
    )
    out: dict[int, dict[str, int]] = {}
    for alert_id, state, n in conn.execute(query):
        out.setdefault(alert_id, {})[state] = n
    return out


def was_notified(conn: Connection, alert_id: int) -> bool:
    """Whether any message was ever queued for the alert (a quiet alert stays quiet)."""
    query = select(alert_outbox.c.id).where(alert_outbox.c.alert_id == alert_id).limit(1)
    return conn.execute(query).first() is not None
