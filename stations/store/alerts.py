"""Queries on alerts, their history and the input cursors (bound parameters only)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from stations.alerts.lifecycle import OPEN_STATES, AlertView, Transition
from stations.store.alert_tables import alert_cursors, alert_events, alerts
from stations.store.ids import inserted_id


def view_of(row: Any) -> AlertView:
    """The lifecycle's snapshot of a stored alert row."""
    return AlertView(
        id=row.id,
        state=row.state,
        severity=row.severity,
        band=row.band,
        created_at=row.created_at,
        clear_since=row.clear_since,
        last_notified_at=row.last_notified_at,
        escalated_at=row.escalated_at,
        reminders=row.reminders,
        episodes=tuple((row.details or {}).get("episodes", [])),
    )


def open_alert(conn: Connection, key: str) -> Any | None:
    """The alert that is open under ``station|parameter|rule``, or None."""
    return conn.execute(select(alerts).where(alerts.c.open_key == key)).first()


def open_alerts(
    conn: Connection, station_ids: Collection[str] | None = None, *, subjects: bool = False
) -> list[Any]:
    """Every alert not yet resolved (of ``station_ids`` when given, plus those without a
    station when ``subjects``), oldest first."""
    query = select(alerts).where(alerts.c.state.in_(OPEN_STATES)).order_by(alerts.c.id)
    if station_ids is not None:
        of_stations = alerts.c.station_id.in_(sorted(station_ids))
        query = query.where(
            or_(of_stations, alerts.c.station_id.is_(None)) if subjects else of_stations
        )
    return list(conn.execute(query))


def get_alert(conn: Connection, alert_id: int) -> Any | None:
    """One alert row by id."""
    return conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()


def list_alerts(
    conn: Connection,
    *,
    states: list[str] | None = None,
    station_id: str | None = None,
    limit: int = 200,
) -> list[Any]:
    """Alerts, newest first, optionally filtered by state and station."""
    query = select(alerts).order_by(alerts.c.id.desc()).limit(limit)
    if states:
        query = query.where(alerts.c.state.in_(states))
    if station_id:
        query = query.where(alerts.c.station_id == station_id)
    return list(conn.execute(query))


def apply_transition(
    conn: Connection, t: Transition, now: int, alert_id: int | None = None
) -> tuple[int, list[tuple[int, str]]]:
    """Persist a transition; returns the alert id and the (event id, event name) written."""
    if t.create is not None:
        values = {"message_vi": "", "message_en": "", **t.create}  # texts follow the row
        alert_id = inserted_id(conn.execute(insert(alerts).values(**values)))
    assert alert_id is not None
    if t.update:
        values = dict(t.update)
        episodes = values.pop("episodes", None)
        if episodes is not None:
            details = dict(
                conn.scalar(select(alerts.c.details).where(alerts.c.id == alert_id)) or {}
            )
            values["details"] = {**details, "episodes": episodes}
        conn.execute(update(alerts).where(alerts.c.id == alert_id).values(**values))
    written: list[tuple[int, str]] = []
    for name, details in t.events:
        extra = dict(details)
        event_id = inserted_id(
            conn.execute(
                insert(alert_events).values(
                    alert_id=alert_id,
                    at=now,
                    event=name,
                    actor=extra.pop("actor", None),
                    comment=extra.pop("comment", None),
                    details=extra,
                )
            )
        )
        written.append((event_id, name))
    return alert_id, written


def set_messages(conn: Connection, alert_id: int, message_vi: str, message_en: str) -> None:
    """Store the alert's current one-line messages."""
    conn.execute(
        update(alerts)
        .where(alerts.c.id == alert_id)
        .values(message_vi=message_vi, message_en=message_en)
    )


def alert_history(conn: Connection, alert_id: int) -> list[Any]:
    """An alert's events, oldest first."""
    query = select(alert_events).where(alert_events.c.alert_id == alert_id)
    return list(conn.execute(query.order_by(alert_events.c.id)))


def events_after(conn: Connection, after_id: int, limit: int = 100) -> list[Any]:
    """History events with id > ``after_id`` joined to their alert's id (for the SSE stream)."""
    query = (
        select(alert_events.c.id, alert_events.c.event, alert_events.c.alert_id)
        .where(alert_events.c.id > after_id)
        .order_by(alert_events.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


def last_event_id(conn: Connection) -> int:
    """The newest history event id (0 when there is none)."""
    return int(conn.scalar(select(alert_events.c.id).order_by(alert_events.c.id.desc())) or 0)


def read_cursor(conn: Connection, name: str) -> int:
    """Position of a named input cursor, locking its row on PostgreSQL (0 when new)."""
    query = select(alert_cursors.c.position).where(alert_cursors.c.name == name)
    value = conn.scalar(query.with_for_update())
    return int(value) if value is not None else 0


def write_cursor(conn: Connection, name: str, position: int, now: int) -> None:
    """Move a named input cursor (in the caller's transaction)."""
    done = conn.execute(
        update(alert_cursors)
        .where(alert_cursors.c.name == name)
        .values(position=position, updated_at=now)
    )
    if done.rowcount == 0:
        conn.execute(insert(alert_cursors).values(name=name, position=position, updated_at=now))


def list_alerts_by_id(conn: Connection, ids: set[int]) -> list[Any]:
    """Alert rows for a set of ids."""
    if not ids:
        return []
    return list(conn.execute(select(alerts).where(alerts.c.id.in_(sorted(ids)))))
