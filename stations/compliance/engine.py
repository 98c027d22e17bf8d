"""Evaluate a station over a time window: means → limits → episodes and VN_AQI, stored.

``evaluate_station`` is what both the after-ingest hook (a few hours) and ``recompute`` (any
range) run; evaluating the same data twice writes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert

from stations.aqi import NOWCAST_HOURS
from stations.averaging import DAY, HOUR, hour_floor, local_day_start, periods_for
from stations.compliance.aqi_store import store_aqi_many
from stations.compliance.episodes import derive_episodes
from stations.compliance.inputs import load_hours_many, refresh_normalised_many
from stations.compliance.rules import AppliedLimit, resolve_limits
from stations.compliance.sync import (
    SyncStats,
    load_stored_many,
    seed_draft,
    stored_seed,
    sync_series,
)
from stations.limits import LimitTable, load_limits
from stations.memo import OwnerMemo
from stations.sites import Site
from stations.store.compliance_tables import compliance_events
from stations.store.sites import cached_stations, list_sites
from stations.timeutil import VN_OFFSET


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Tunable rules (the service fills them from settings; defaults documented in docs)."""

    near_fraction: float = 0.9
    hysteresis: float = 0.05
    o2_constant: float = 21.0
    min_fraction: float = 0.75


@dataclass
class EvalStats:
    """Counts of one evaluation (episodes and AQI rows written)."""

    episodes: SyncStats = field(default_factory=SyncStats)
    aqi_hours: int = 0
    aqi_days: int = 0
    stations: int = 0


_OFFSET_S = int(VN_OFFSET.utcoffset(None).total_seconds())


def local_day(epoch: int) -> date:
    """The local (UTC+7) calendar day of an epoch: the day a rule's dates refer to."""
    return datetime.fromtimestamp(epoch, VN_OFFSET).date()


class LimitCache:
    """Limits per (station, local day): rules change by date, not by hour."""

    def __init__(self, site: Site, table: LimitTable) -> None:
        self.site, self.table = site, table
        self._by_day: dict[date, dict[tuple[str, str], AppliedLimit]] = {}
        # the same per local-day index (epoch days at UTC+7): ``at`` runs once per period
        self._by_index: dict[int, dict[tuple[str, str], AppliedLimit]] = {}

    def limits(self, day: date) -> dict[tuple[str, str], AppliedLimit]:
        """``{(parameter, averaging): limit}`` in force on ``day``."""
        found = self._by_day.get(day)
        if found is None:
            found = self._by_day[day] = _resolved(self.table, self.site, day)
        return found

    def at(self, parameter: str, averaging: str, epoch: int) -> AppliedLimit | None:
        """The limit for the period starting at ``epoch``."""
        index = (epoch + _OFFSET_S) // 86400
        found = self._by_index.get(index)
        if found is None:
            found = self._by_index[index] = self.limits(local_day(epoch))
        return found.get((parameter, averaging))


# Resolved limits per limits table, by what they depend on: the after-ingest step evaluates
# the same stations every few seconds and resolving took a fifth of its time. A table is
# read-only and replaced (a new object) when the administrator's overlay changes.
_RESOLVED: OwnerMemo[dict[tuple[str, str], AppliedLimit]] = OwnerMemo(4, 20_000)


def _resolved(table: LimitTable, site: Site, day: date) -> dict[tuple[str, str], AppliedLimit]:
    """``{(parameter, averaging): limit}`` of ``site`` on ``day`` (memoised per table)."""

    def resolve() -> dict[tuple[str, str], AppliedLimit]:
        applied, _ = resolve_limits(site.kind, site.parameters, site.permit, day, table=table)
        return {(a.parameter, a.averaging): a for a in applied}

    key = (site.kind, tuple(site.parameters.items()), repr(site.permit), day)
    return _RESOLVED.get(table, key, resolve)


def evaluate_station(
    conn: Connection,
    site: Site,
    start: int,
    end: int,
    now: int,
    options: EngineOptions | None = None,
    table: LimitTable | None = None,
) -> EvalStats:
    """Re-derive episodes for periods ending after ``start``'s hour (its local day for 24-h
    means) and up to ``end``, resuming from the stored open episode; store the AQI too.

    ``end`` is the time up to which data is in (last reading + one interval); periods ending
    later are left for the next run.
    """
    return evaluate_stations(conn, [(site, start, end)], now, options, table)


@dataclass
class _Plan:
    """One station's evaluation window (see :func:`evaluate_station`)."""

    site: Site
    start: int
    end: int
    cache: LimitCache
    series: set[tuple[str, str]]
    hour_start: int
    day_start: int
    load_start: int


def _plan(site: Site, start: int, end: int, table: LimitTable) -> _Plan:
    # 1-h and 8-h periods resume at the hour of the first new reading; a 24-h period needs its
    # whole local day. Hours before that feed the 8-h windows and the 12-h NowCast.
    hour_start, day_start = hour_floor(start), local_day_start(start)
    cache = LimitCache(site, table)
    series = {
        key
        for day in {local_day(day_start), local_day(max(day_start, end - 1))}
        for key in cache.limits(day)
    }
    air = site.kind == "air"
    # The day's hours feed its 24-h means and daily AQI, which exist only once the day has
    # ended in the window; before that, the 8-h windows and the NowCast need fewer hours.
    day_ended = end >= day_start + DAY
    needs_day = day_ended and (air or any(averaging == "24h" for _, averaging in series))
    lookback = NOWCAST_HOURS * HOUR if air else 8 * HOUR
    # the daily AQI's O3 8-h maximum starts 7 hours before the day
    day_from = day_start - 8 * HOUR if air else day_start
    load_start = min(day_from if needs_day else hour_start, hour_start - lookback)
    return _Plan(site, start, end, cache, series, hour_start, day_start, load_start)


def evaluate_stations(
    conn: Connection,
    due: Sequence[tuple[Site, int, int]],
    now: int,
    options: EngineOptions | None = None,
    table: LimitTable | None = None,
) -> EvalStats:
    """:func:`evaluate_station` for several ``(site, start, end)`` (each station once) in one
    pass: the means, normalised means and stored episodes of all of them are read together
    (one query per table for stations sharing their hours) and the new events and AQI rows
    written together; what is stored is what evaluating them one by one stores."""
    if len({site.id for site, _, _ in due}) != len(due):
        raise ValueError("evaluate_stations: each station at most once")
    opts = options or EngineOptions()
    stats = EvalStats(stations=len(due))
    flue = [(s, hour_floor(a), hour_floor(b) + HOUR) for s, a, b in due if s.kind == "fluegas"]
    if flue:
        refresh_normalised_many(conn, flue, now, opts.o2_constant)
    limits = table or load_limits()
    # a window in which no period ends changes nothing else
    plans = [_plan(s, a, b, limits) for s, a, b in due if hour_floor(b) > hour_floor(a)]
    if not plans:
        return stats
    windows = [(p.site, p.load_start, p.end) for p in plans]
    hours = load_hours_many(conn, windows, opts.min_fraction)
    stored, known = load_stored_many(conn, {p.site.id: p.day_start for p in plans})
    events: list[dict[str, Any]] = []
    for plan in plans:
        site_hours, site_stored = hours[plan.site.id], stored[plan.site.id]
        for parameter, averaging in sorted(plan.series):
            synced = _sync(conn, plan, parameter, averaging, site_hours, site_stored, known, now,
                           opts, events)  # fmt: skip
            stats.episodes.add(synced)
    if events:
        conn.execute(insert(compliance_events), events)
    air = [(p.site.id, hours[p.site.id], p.start, p.end) for p in plans if p.site.kind == "air"]
    for h, d in store_aqi_many(conn, air, now).values():
        stats.aqi_hours += h
        stats.aqi_days += d
    return stats


def _sync(
    conn: Connection,
    plan: _Plan,
    parameter: str,
    averaging: str,
    hours: Mapping[str, Mapping[int, float]],
    stored: list[Any],
    known: dict[int, set[tuple[str, int]]],
    now: int,
    opts: EngineOptions,
    events: list[dict[str, Any]],
) -> SyncStats:
    """Derive one series' episodes over the plan's window and store them (events to ``events``)."""
    window_start = plan.day_start if averaging == "24h" else plan.hour_start
    periods = periods_for(hours.get(parameter, {}), averaging, window_start, plan.end)
    pairs = [(p, plan.cache.at(parameter, averaging, p.start)) for p in periods]
    seed_row = stored_seed(stored, parameter, averaging, window_start)
    seed = None
    if seed_row is not None:
        limit = plan.cache.at(parameter, averaging, window_start) or next(
            (lim for _, lim in pairs if lim is not None), None
        )
        seed = seed_draft(seed_row, limit) if limit is not None else None
    drafts = derive_episodes(
        pairs, near_fraction=opts.near_fraction, hysteresis=opts.hysteresis, initial=seed
    )
    return sync_series(
        conn,
        plan.site.id,
        parameter,
        averaging,
        drafts,
        window_start,
        plan.end,
        now,
        seed_id=seed_row.id if seed_row is not None else None,
        stored_rows=stored,
        known_events=known,
        events_out=events,
    )


def after_ingest(
    engine: Engine,
    station_id: str,
    start: int,
    end: int,
    now: int,
    options: EngineOptions | None = None,
) -> EvalStats:
    """Incremental evaluation after one file (the readings of [start, end] were just stored)."""
    with engine.begin() as conn:
        due = due_for_evaluation(conn, {station_id: (start, end)})
        if not due:
            return EvalStats()
        ((site, first, data_end),) = due
        return evaluate_station(conn, site, first, data_end, now, options)


def due_for_evaluation(
    conn: Connection, spans: Mapping[str, tuple[int, int]]
) -> list[tuple[Site, int, int]]:
    """``(site, start, data end)`` for each station of ``spans`` (readings of [start, end]
    just stored) whose new data can change what :func:`evaluate_station` writes; the sites
    come from the registry cache the alert pass keeps (one fingerprint query when nothing
    changed), not three queries after every polled batch."""
    found = {site.id: site for site in cached_stations(conn)}
    due = []
    for station_id, (start, end) in spans.items():
        site = found.get(station_id)
        if site is None:  # not a registered automatic station
            continue
        data_end = int(end + site.interval_s)
        if completes_a_period(site, start, data_end):
            due.append((site, start, data_end))
    return due


def completes_a_period(site: Site, start: int, end: int) -> bool:
    """Whether new readings in [start, end) can change anything :func:`evaluate_station`
    writes. Every averaging period, AQI hour and AQI day ends on an hour boundary, and only
    periods ending in (hour of ``start``, ``end``] are (re)derived: data that stays inside one
    hour (11 of a 5-minute station's 12 files) changes nothing until the file that completes
    the hour, whose window starts at that hour and takes the earlier files in. Flue-gas
    stations are always due: their normalised means are refreshed as data arrive (and only
    they, in :func:`evaluate_station`, until the hour completes)."""
    return site.kind == "fluegas" or hour_floor(end) > hour_floor(start)


def recompute(
    engine: Engine,
    start: int,
    end: int,
    now: int,
    *,
    station_ids: list[str] | None = None,
    options: EngineOptions | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> EvalStats:
    """Re-derive episodes and AQI for every active (or each listed) station over [start, end),
    one transaction per station; ``progress(station_id, seconds)`` is called after each."""
    total = EvalStats()
    table = load_limits()
    with engine.connect() as conn:
        sites = [s for s in list_sites(conn, site_type="station") if s.active]
    if station_ids is not None:
        sites = [s for s in sites if s.id in set(station_ids)]
    for site in sites:
        # One window per station: windows that end mid-episode would hand the episode back and
        # forth between runs; a year of hourly means is small (≈ 80 000 numbers).
        with engine.begin() as conn:
            stats = evaluate_station(conn, site, start, end, now, options, table)
        total.episodes.add(stats.episodes)
        total.aqi_hours += stats.aqi_hours
        total.aqi_days += stats.aqi_days
        if progress is not None:
            progress(site.id, end - start)
        total.stations += 1
    return total
