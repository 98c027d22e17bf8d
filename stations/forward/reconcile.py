"""Reconciliation: what the destination holds against what we received, and the refill.

The ministry offers no "missing dates" call, so its folder tree is listed instead: every folder
the range's files belong in is listed once, and a file is missing when its name is absent (or
its size differs). With ``unqueued``, files received before the destination was configured,
inside the range and after its start, are queued too (every file committed since is queued in
its own transaction, so the scheduled run need not scan the received files). Missing files are
requeued oldest first, at most ``cap`` per run; the rest wait for the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection, Engine, and_, select

from stations.forward import outbox
from stations.forward.route import Route, remote_name, stamp_of
from stations.forward.transport import Transport
from stations.store.forward_tables import forward_outbox
from stations.store.schema import ingested_files, sites
from stations.timeutil import local_to_epoch


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
    missing: list[Missing] = field(default_factory=list)
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
            "refilled": self.refilled,
            "left": self.left,
            "pending": self.pending,
            "dead": self.dead,
        }


def _never_queued(conn: Connection, route: Route, start: int, end: int) -> list[tuple]:
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
    out = []
    for file_id, station, kind, received, name in conn.execute(q):
        stamp = stamp_of(name)
        observed = local_to_epoch(stamp) if stamp else received
        if start <= observed < end and route.wants(station, kind, observed):
            out.append((file_id, station, kind, observed, received, name))
    return out


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
    """Compare the destination with our files observed in ``[start, end)``; refill the gaps."""
    report = ReconcileReport(route.id, start, end)
    with engine.connect() as conn:
        rows = outbox.rows_between(conn, route.id, start, end)
        fresh = _never_queued(conn, route, start, end) if unqueued else []
    report.checked = len(rows) + len(fresh)
    sent = [r for r in rows if r.state == outbox.SENT]
    report.pending = sum(r.state == outbox.PENDING for r in rows)
    report.dead = sum(r.state == outbox.DEAD for r in rows)
    wanted: dict[str, list] = {}
    for r in sent:
        path = r.remote_path or route.remote_path(r.station_id, r.kind, r.observed_at, r.name)
        wanted.setdefault(path.rpartition("/")[0], []).append((r, path))
    missing: list[tuple[int, Missing, int | None]] = []  # (observed, what, outbox id)
    with session() as t:
        for folder, items in wanted.items():
            held = t.listdir(folder or "/")
            report.folders += 1
            for r, path in items:
                name = path.rpartition("/")[2]
                if name not in held:
                    reason = "absent"
                elif held[name] is not None and held[name] != r.remote_size:
                    reason = "size"
                else:
                    continue
                missing.append(
                    (
                        r.observed_at,
                        Missing(r.station_id, r.name, r.observed_at, path, reason),
                        r.id,
                    )
                )
    for file_id, station, kind, observed, _received, name in fresh:
        path = route.remote_path(station, kind, observed, name)
        missing.append(
            (
                observed,
                Missing(station, remote_name(name), observed, path, "never_queued"),
                -file_id,
            )
        )
    missing.sort(key=lambda m: (m[0], m[2] or 0))
    report.missing = [m for _, m, _ in missing]
    take = missing[:cap]
    report.left = len(missing) - len(take)
    requeue_ids = [i for _, _, i in take if i is not None and i > 0]
    new_ids = {-i for _, _, i in take if i is not None and i < 0}
    with engine.begin() as conn:
        report.refilled = (
            outbox.requeue(conn, route.id, requeue_ids, now, states=(outbox.SENT,), refill=True)
            if requeue_ids
            else 0
        )
        rows_new = [(f, s, k, o, r) for f, s, k, o, r, _ in fresh if f in new_ids]
        report.refilled += outbox.insert_missing(conn, route.id, rows_new, now)
    return report
