"""The forwarding outbox: queue in the ingest transaction, pick per-station heads, record receipts.

States: ``pending`` (waiting or retrying), ``sent`` (receipt held: the destination confirmed the
file under its final name), ``dead`` (a permanent failure after the allowed attempts; an
operator requeues it). Order per station is kept by always sending a station's oldest pending
file first: a station whose head is waiting for its retry sends nothing else meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from stations.forward.route import Route
from stations.ingest.model import RecordedFile
from stations.store.forward_tables import forward_outbox
from stations.store.schema import ingested_files, sites

PENDING, SENT, DEAD = "pending", "sent", "dead"
FORWARDED_OUTCOMES = ("ok", "partial")  # quarantined files stay with the department
STREAM_ROWS = 5000


def station_kinds(conn: Connection, station_ids: Sequence[str]) -> dict[str, str]:
    """``{station_id: kind}`` of the given stations."""
    if not station_ids:
        return {}
    rows = conn.execute(select(sites.c.id, sites.c.kind).where(sites.c.id.in_(station_ids)))
    return dict(rows.all())


def enqueue_recorded(conn: Connection, routes: Sequence[Route], files: list[RecordedFile]) -> int:
    """Queue freshly recorded files for every route that wants them (in the ingest transaction).

    Returns the rows added. A file recorded again (a quarantined file accepted later) that a
    destination already has queued is left as it is.
    """
    good = [f for f in files if f.outcome in FORWARDED_OUTCOMES and f.station_id and f.file_id]
    if not good or not routes:
        return 0
    kinds = station_kinds(conn, sorted({f.station_id for f in good if f.station_id}))
    rows = []
    for route in routes:
        for f in good:
            station = f.station_id or ""
            kind = kinds.get(station, "")
            if route.wants(station, kind, f.first):
                rows.append(_row(route.id, f.file_id, station, kind, f.first, f.received_at))
    if not rows:
        return 0
    present = _queued(conn, {r["destination"] for r in rows}, [r["file_id"] for r in rows])
    rows = [r for r in rows if (r["destination"], r["file_id"]) not in present]
    if rows:
        conn.execute(insert(forward_outbox), rows)
    return len(rows)


def _row(
    dest: str, file_id: int, station: str, kind: str, observed: int, received: int
) -> dict[str, Any]:
    return {
        "destination": dest,
        "file_id": file_id,
        "station_id": station,
        "kind": kind,
        "observed_at": observed,
        "received_at": received,
        "state": PENDING,
        "attempts": 0,
        "next_attempt_at": received,
        "refills": 0,
        "created_at": received,
    }


def _queued(conn: Connection, dests: set[str], file_ids: list[int]) -> set[tuple[str, int]]:
    rows = conn.execute(
        select(forward_outbox.c.destination, forward_outbox.c.file_id).where(
            forward_outbox.c.destination.in_(sorted(dests)),
            forward_outbox.c.file_id.in_(sorted(set(file_ids))),
        )
    )
    return {(d, f) for d, f in rows}


def insert_missing(
    conn: Connection, dest: str, rows: list[tuple[int, str, str, int, int]], now: int
) -> int:
    """Queue ``(file_id, station, kind, observed_at, received_at)`` files never queued before
    for ``dest`` (files received before the destination was configured); returns rows added."""
    present = _queued(conn, {dest}, [r[0] for r in rows])
    new = [_row(dest, *r) | {"next_attempt_at": now} for r in rows if (dest, r[0]) not in present]
    if new:
        conn.execute(insert(forward_outbox), new)
    return len(new)


@dataclass(frozen=True, slots=True)
class Item:
    """One queued file with what the sender needs to read and place it."""

    id: int
    file_id: int
    station_id: str
    kind: str
    observed_at: int
    received_at: int
    attempts: int
    next_attempt_at: int
    name: str
    archive_path: str | None
    size: int


def heads(conn: Connection, dest: str, now: int, limit: int) -> list[list[Item]]:
    """Per station, the run of pending files that may go now, oldest first.

    Reads the ``limit`` oldest pending rows; a station whose oldest pending file waits for its
    retry time is skipped whole, so its later files never overtake it.
    """
    o = forward_outbox
    rows = conn.execute(
        select(
            o.c.id,
            o.c.file_id,
            o.c.station_id,
            o.c.kind,
            o.c.observed_at,
            o.c.received_at,
            o.c.attempts,
            o.c.next_attempt_at,
            ingested_files.c.name,
            ingested_files.c.archive_path,
            ingested_files.c.size,
        )
        .join(ingested_files, ingested_files.c.id == o.c.file_id)
        .where(o.c.destination == dest, o.c.state == PENDING)
        .order_by(o.c.observed_at, o.c.id)
        .limit(limit)
    )
    runs: dict[str, list[Item]] = {}
    blocked: set[str] = set()
    for r in rows:
        item = Item(*r)
        if item.station_id in blocked:
            continue
        if item.next_attempt_at > now:
            blocked.add(item.station_id)
            continue
        runs.setdefault(item.station_id, []).append(item)
    return list(runs.values())


def mark_sent(conn: Connection, item_id: int, *, remote_path: str, size: int, now: int) -> None:
    """Store the receipt: the destination holds the file under ``remote_path``."""
    conn.execute(
        update(forward_outbox)
        .where(forward_outbox.c.id == item_id)
        .values(
            state=SENT,
            sent_at=now,
            remote_path=remote_path,
            remote_size=size,
            attempts=forward_outbox.c.attempts + 1,
            last_error=None,
        )
    )


def mark_failed(
    conn: Connection, item_id: int, *, error: str, retry_at: int | None, now: int
) -> None:
    """Record a failed attempt: retry at ``retry_at``, or dead-letter it when None."""
    values: dict[str, Any] = {"attempts": forward_outbox.c.attempts + 1, "last_error": error[:2000]}
    if retry_at is None:
        values.update(state=DEAD, next_attempt_at=now)
    else:
        values["next_attempt_at"] = retry_at
    conn.execute(update(forward_outbox).where(forward_outbox.c.id == item_id).values(**values))


def requeue(
    conn: Connection,
    dest: str,
    ids: Sequence[int] | None,
    now: int,
    *,
    states: tuple[str, ...] = (DEAD,),
    refill: bool = False,
) -> int:
    """Put rows back in the queue (dead letters by default; ``refill`` for sent files the
    destination lost); returns how many."""
    cond = [forward_outbox.c.destination == dest, forward_outbox.c.state.in_(states)]
    if ids is not None:
        if not ids:
            return 0
        cond.append(forward_outbox.c.id.in_(list(ids)))
    values: dict[str, Any] = {"state": PENDING, "attempts": 0, "next_attempt_at": now}
    if refill:
        values.update(refills=forward_outbox.c.refills + 1, sent_at=None)
    return conn.execute(update(forward_outbox).where(and_(*cond)).values(**values)).rowcount


def iter_between(conn: Connection, dest: str, start: int, end: int) -> Iterator[Any]:
    """Outbox rows of ``dest`` whose data begin in ``[start, end)``, by station and time,
    streamed (``STREAM_ROWS`` at a time) so two days of 2,000 stations never sit in memory."""
    o = forward_outbox
    query = (
        select(
            o.c.id,
            o.c.station_id,
            o.c.kind,
            o.c.observed_at,
            o.c.state,
            o.c.remote_path,
            o.c.remote_size,
            ingested_files.c.name,
        )
        .join(ingested_files, ingested_files.c.id == o.c.file_id)
        .where(o.c.destination == dest, o.c.observed_at >= start, o.c.observed_at < end)
        .order_by(o.c.station_id, o.c.observed_at, o.c.id)
    )
    yield from conn.execution_options(yield_per=STREAM_ROWS).execute(query)


def counts(conn: Connection) -> dict[str, dict[str, int]]:
    """``{destination: {state: rows}}``."""
    out: dict[str, dict[str, int]] = {}
    rows = conn.execute(
        select(forward_outbox.c.destination, forward_outbox.c.state, func.count()).group_by(
            forward_outbox.c.destination, forward_outbox.c.state
        )
    )
    for dest, state, n in rows:
        out.setdefault(dest, {})[state] = n
    return out
