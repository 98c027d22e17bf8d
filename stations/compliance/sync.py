"""Store derived episodes: match stored rows on (kind, opened_at), update in place, insert new
ones, void the ones no longer derived, and append only the events not yet recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from stations.compliance.episodes import EXCEEDANCE, EpisodeDraft, EventDraft
from stations.compliance.rules import AppliedLimit
from stations.compliance.windows import chunks
from stations.store.compliance_tables import compliance_events, exceedance_episodes
from stations.store.ids import inserted_id

E = exceedance_episodes


@dataclass
class SyncStats:
    """What one synchronisation changed (all zero when nothing changed: idempotent)."""

    inserted: int = 0
    updated: int = 0
    voided: int = 0
    events: int = 0

    def add(self, other: SyncStats) -> None:
        """Accumulate another run's counts."""
        self.inserted += other.inserted
        self.updated += other.updated
        self.voided += other.voided
        self.events += other.events

    @property
    def changed(self) -> bool:
        """True when anything was written."""
        return bool(self.inserted or self.updated or self.voided or self.events)


def load_stored(
    conn: Connection, station_id: str, since: int
) -> tuple[list[Any], dict[int, set[tuple[str, int]]]]:
    """Episodes of a station a window from ``since`` can touch (opened since, or still open
    then), and the (event, at) pairs already recorded for them: two queries per evaluation."""
    rows, known = load_stored_many(conn, {station_id: since})
    return rows[station_id], known


# Built once (the after-ingest step reads them after every polled batch).
_EPISODES_SINCE = select(E).where(
    E.c.station_id.in_(bindparam("ids", expanding=True)),
    # an episode opened at or after ``since`` also closes after it
    or_(E.c.closed_at.is_(None), E.c.closed_at > bindparam("since")),
)
_EV = compliance_events.c
_EVENTS_OF = select(_EV.episode_id, _EV.event, _EV.at).where(
    _EV.episode_id.in_(bindparam("ids", expanding=True))
)


def load_stored_many(
    conn: Connection, since: Mapping[str, int]
) -> tuple[dict[str, list[Any]], dict[int, set[tuple[str, int]]]]:
    """:func:`load_stored` of several stations (``{station_id: since}``): their episodes by
    station and the recorded (event, at) pairs by episode, in two queries per 500 stations."""
    rows: dict[str, list[Any]] = {sid: [] for sid in since}
    known: dict[int, set[tuple[str, int]]] = {}
    for ids in chunks(since):
        first = min(since[sid] for sid in ids)
        found = []
        for r in conn.execute(_EPISODES_SINCE, {"ids": ids, "since": first}).all():
            if r.closed_at is None or r.closed_at > since[r.station_id]:
                rows[r.station_id].append(r)
                found.append(r.id)
                known[r.id] = set()
        for episode_ids in chunks(found):
            for episode_id, event, at in conn.execute(_EVENTS_OF, {"ids": episode_ids}):
                known[episode_id].add((event, at))
    return rows, known


def stored_seed(rows: list[Any], parameter: str, averaging: str, at: int) -> Any | None:
    """The stored episode of a series open at ``at`` (opened before it, not closed by then)."""
    for r in rows:
        if (r.parameter, r.averaging) != (parameter, averaging) or r.voided_at is not None:
            continue
        if r.opened_at < at and (r.closed_at is None or r.closed_at > at):
            return r
    return None


def seed_draft(row: Any, limit: AppliedLimit) -> EpisodeDraft:
    """Rebuild the state machine's open episode from a stored row (events already stored)."""
    return EpisodeDraft(
        kind=row.kind,
        limit=limit,
        opened_at=row.opened_at,
        last_period_end=row.last_period_end,
        peak_value=row.peak_value,
        peak_ratio=row.peak_ratio,
        last_value=row.last_value,
        last_ratio=row.last_ratio,
        band=row.band,
    )


def _values(ep: EpisodeDraft, now: int) -> dict[str, Any]:
    lim = ep.limit
    return {
        "regulation": lim.regulation,
        "rule": lim.rule,
        "limit_value": lim.value,
        "limit_low": lim.low,
        "limit_high": lim.high,
        "unit": lim.unit,
        "state": ep.state,
        "closed_at": ep.closed_at,
        "last_period_end": ep.last_period_end,
        "peak_value": ep.peak_value,
        "peak_ratio": round(ep.peak_ratio, 6),
        "last_value": ep.last_value,
        "last_ratio": round(ep.last_ratio, 6),
        "band": ep.band,
        "low_confidence": lim.low_confidence,
        "citation": lim.citation,
        "voided_at": None,
        "updated_at": now,
    }


_COMPARED = (
    "state",
    "closed_at",
    "last_period_end",
    "peak_value",
    "peak_ratio",
    "last_value",
    "last_ratio",
    "band",
    "limit_value",
    "limit_low",
    "limit_high",
    "rule",
    "low_confidence",
    "voided_at",
)


def _event_row(
    episode_id: int,
    station_id: str,
    parameter: str,
    averaging: str,
    unit: str,
    ev: EventDraft,
    now: int,
) -> dict[str, Any]:
    return {
        "episode_id": episode_id,
        "station_id": station_id,
        "parameter": parameter,
        "event": ev.event,
        "at": ev.at,
        "value": ev.value,
        "unit": unit,
        "limit_value": ev.limit_value,
        "ratio": None if ev.ratio is None else round(ev.ratio, 6),
        "band": ev.band,
        "averaging": averaging,
        "created_at": now,
    }


def sync_series(
    conn: Connection,
    station_id: str,
    parameter: str,
    averaging: str,
    drafts: Iterable[EpisodeDraft],
    start: int,
    end: int,
    now: int,
    seed_id: int | None = None,
    stored_rows: list[Any] | None = None,
    known_events: dict[int, set[tuple[str, int]]] | None = None,
    events_out: list[dict[str, Any]] | None = None,
) -> SyncStats:
    """Make the stored episodes of a series opened in [start, end) (and the seed) match.
    New event rows go to ``events_out`` when given (the caller inserts a batch's at once)."""
    stats = SyncStats()
    if stored_rows is None or known_events is None:
        stored_rows, known_events = load_stored(conn, station_id, start)
    in_scope = [
        r
        for r in stored_rows
        if (r.parameter, r.averaging) == (parameter, averaging)
        and (r.id == seed_id or start <= r.opened_at < end)
    ]
    stored = {(r.kind, r.opened_at): r for r in in_scope}
    seen: set[tuple[str, int]] = set()
    events: list[dict[str, Any]] = []
    for ep in drafts:
        key = (ep.kind, ep.opened_at)
        seen.add(key)
        values = _values(ep, now)
        row = stored.get(key)
        if row is None:
            episode_id = inserted_id(
                conn.execute(
                    insert(E).values(
                        station_id=station_id,
                        parameter=parameter,
                        averaging=averaging,
                        kind=ep.kind,
                        opened_at=ep.opened_at,
                        **values,
                    )
                )
            )
            stats.inserted += 1
            known: set[tuple[str, int]] = set()
        else:
            episode_id = row.id
            if ep.closed_at is None and row.closed_at is not None and row.closed_at > end:
                # Still open at the window's end, closed by data after it: the later window
                # owns its closing, so do not reopen it (keeps chunked recomputes idempotent).
                values = {k: getattr(row, k) for k in values}
            if any(_differs(getattr(row, c), values[c]) for c in _COMPARED):
                conn.execute(update(E).where(E.c.id == row.id).values(**values))
                stats.updated += 1
            known = known_events.get(row.id, set())
            if row.voided_at is not None:
                known = set()  # re-derived after being withdrawn: announce it again
        for ev in ep.events:
            if (ev.event, ev.at) not in known:
                events.append(
                    _event_row(episode_id, station_id, parameter, averaging, ep.limit.unit, ev, now)
                )
    for key, row in stored.items():
        if key in seen or row.voided_at is not None:
            continue
        conn.execute(update(E).where(E.c.id == row.id).values(voided_at=now, updated_at=now))
        stats.voided += 1
        if row.state == "open":  # tell the alert engine the condition is gone
            closing = "closed" if row.kind == EXCEEDANCE else "near_limit_closed"
            events.append(
                _event_row(
                    row.id,
                    station_id,
                    parameter,
                    averaging,
                    row.unit,
                    EventDraft(closing, now, None, None, row.band, row.limit_value),
                    now,
                )
            )
    if events:
        events.sort(key=lambda e: e["at"])
        if events_out is None:
            conn.execute(insert(compliance_events), events)
        else:
            events_out += events
        stats.events += len(events)
    return stats


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is not b
        return abs(float(a) - float(b)) > 1e-9 * max(1.0, abs(float(b)))
    return bool(a != b)
