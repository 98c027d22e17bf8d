"""Reconciliation: what the destination holds against what we received, and the refill.

The ministry offers no "missing dates" call, so its folder tree is listed instead: every folder
the range's files belong in is listed once, and a file is missing when its name is absent (or
its size differs). With ``unqueued``, files received before the destination was configured,
inside the range and after its start, are queued too (every file committed since is queued in
its own transaction, so the scheduled run need not scan the received files). Missing files are
requeued oldest first, at most ``cap`` per run; the rest wait for the next run.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, and_, select

from stations.forward import outbox
from stations.forward.route import Route, remote_name, stamp_of
from stations.forward.transport import Transport
from stations.store.forward_tables import forward_outbox
from stations.store.schema import ingested_files, sites
from stations.timeutil import local_to_epoch

REPORT_LIMIT = 1000  # missing files named in a report (at least the refilled ones)


@dataclass(frozen=True, slots=True)
class Missing:
    """A file we received that the destination does not hold."""

    station_id: str
    name: str
    observed_at: int
    path: str
    reason: str  # absent | size | never_queued


@dataclass(slots=True)
class ReconcileReport:
    """What one reconciliation found and did."""

    destination: str
    start: int
    end: int
    checked: int = 0  # files we received in the range (sent ones were listed remotely)
    folders: int = 0
    missing: list[Missing] = field(default_factory=list)  # the oldest ones, oldest first
    missing_total: int = 0
    refilled: int = 0  # requeued or queued now
    left: int = 0  # missing beyond the cap, for the next run
    pending: int = 0  # already queued, not yet confirmed
    dead: int = 0

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "destination": self.destination,
            "from": self.start,
            "to": self.end,
            "checked": self.checked,
            "folders": self.folders,
            "missing": [asdict(m) for m in self.missing],
            "missing_total": self.missing_total,
            "refilled": self.refilled,
            "left": self.left,
            "pending": self.pending,
            "dead": self.dead,
        }


def _never_queued(
    conn: Connection, route: Route, start: int, end: int
) -> Iterator[tuple[int, str, str, int, int, str]]:
    """``(file_id, station, kind, observed_at, received_at, name)`` of received files in the
    range that no row of this destination covers. The data time comes from the file name's
    stamp (the received time when there is none): these files predate their outbox rows."""
    o = forward_outbox
    q = (
        select(
            ingested_files.c.id,
            ingested_files.c.station_id,
            sites.c.kind,
            ingested_files.c.received_at,
            ingested_files.c.name,
        )
        .join(sites, sites.c.id == ingested_files.c.station_id)
        .outerjoin(o, and_(o.c.file_id == ingested_files.c.id, o.c.destination == route.id))
        .where(
            o.c.id.is_(None),
            ingested_files.c.outcome.in_(outbox.FORWARDED_OUTCOMES),
            # a file's data are never later than its receipt: a cheap bound on the scan
            ingested_files.c.received_at >= start,
        )
        .order_by(ingested_files.c.id)
    )
    for file_id, station, kind, received, name in conn.execution_options(
        yield_per=outbox.STREAM_ROWS
    ).execute(q):
        stamp = stamp_of(name)
        observed = local_to_epoch(stamp) if stamp else received
        if start <= observed < end and route.wants(station, kind, observed):
            yield file_id, station, kind, observed, received, name


# A missing file: what to report, and the outbox row to requeue or the row to insert.
_Item = tuple[Missing, int | None, tuple[int, str, str, int, int] | None]


class _Oldest:
    """The ``k`` oldest missing files seen so far (a bounded heap), and how many were seen:
    memory stays bounded however much the destination lost."""

    def __init__(self, k: int) -> None:
        self.k, self.count = k, 0
        self._heap: list[tuple[int, int, _Item]] = []
        self._seq = itertools.count()

    def push(self, observed: int, item: _Item) -> None:
        self.count += 1
        entry = (-observed, -next(self._seq), item)  # heap top: the newest kept
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, entry)
        elif entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)

    def oldest_first(self) -> list[_Item]:
        return [item for *_, item in sorted(self._heap, key=lambda e: e[:2], reverse=True)]


def _check_folder(t: Transport, folder: str, items: list[tuple[Any, str]], found: _Oldest) -> None:
    held = t.listdir(folder or "/")
    for r, path in items:
        name = path.rpartition("/")[2]
        if name not in held:
            reason = "absent"
        elif held[name] is not None and held[name] != r.remote_size:
            reason = "size"
        else:
            continue
        found.push(
            r.observed_at, (Missing(r.station_id, r.name, r.observed_at, path, reason), r.id, None)
        )


def reconcile(
    engine: Engine,
    route: Route,
    session: Callable[[], AbstractContextManager[Transport]],
    *,
    start: int,
    end: int,
    cap: int,
    now: int,
    unqueued: bool = False,
) -> ReconcileReport:
    """Compare the destination with our files observed in ``[start, end)``; refill the gaps.

    Rows stream by station and time, so each folder of the template is listed once while its
    rows are at hand; the report names the oldest ``max(cap, REPORT_LIMIT)`` missing files.
    """
    report = ReconcileReport(route.id, start, end)
    found = _Oldest(max(cap, REPORT_LIMIT))
    with engine.connect() as conn, session() as t:
        folder: str | None = None
        items: list[tuple[Any, str]] = []
        for r in outbox.iter_between(conn, route.id, start, end):
            report.checked += 1
            if r.state != outbox.SENT:
                report.pending += r.state == outbox.PENDING
                report.dead += r.state == outbox.DEAD
                continue
            path = r.remote_path or route.remote_path(r.station_id, r.kind, r.observed_at, r.name)
            here = path.rpartition("/")[0]
            if here != folder and items:
                _check_folder(t, folder or "/", items, found)
                report.folders += 1
                items = []
            folder = here
            items.append((r, path))
        if items:
            _check_folder(t, folder or "/", items, found)
            report.folders += 1
        if unqueued:
            for file_id, station, kind, observed, received, name in _never_queued(
                conn, route, start, end
            ):
                report.checked += 1
                path = route.remote_path(station, kind, observed, name)
                what = Missing(station, remote_name(name), observed, path, "never_queued")
                found.push(observed, (what, None, (file_id, station, kind, observed, received)))
    oldest = found.oldest_first()
    report.missing, report.missing_total = [m for m, _, _ in oldest], found.count
    take = oldest[:cap]
    report.left = found.count - len(take)
    requeue_ids = [i for _, i, _ in take if i is not None]
    new_rows = [row for _, _, row in take if row is not None]
    with engine.begin() as conn:
        if requeue_ids:
            report.refilled = outbox.requeue(
                conn, route.id, requeue_ids, now, states=(outbox.SENT,), refill=True
            )
        report.refilled += outbox.insert_missing(conn, route.id, new_rows, now)
    return report
