"""The warning chain on the store: gauge readings → intervals → place levels.

``update_gauge`` recomputes one gauge's intervals over a span (continuing the stored tank state);
``assess_places`` gives every place its level at one time from the gauges' newest intervals.
Places (communes, hazard zones with their susceptibility class and a point inside them) are
built by the layers package and passed in as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from stations.rain import feed
from stations.rain import qc as rain_qc
from stations.rain.accumulate import LOOKBACK_S, accumulate
from stations.rain.data import number
from stations.rain.levels import assess, issued_level
from stations.rain.places import RADIUS_KM, GaugeNow, place_rain
from stations.store import rain as store

CUMULATIVE = "RainCum"  # catalogue code of "mm since the daily reset" feeds
DAY = 86_400
DEFAULT_STEP_S = 600  # 10-minute reporting interval unless the site's config says otherwise
STALE_S = 3600  # a gauge silent longer than this no longer speaks for its places
HOLD_S = 6 * 3600  # an issued level falls only after 6 h below it (hysteresis)


@dataclass(frozen=True, slots=True)
class Place:
    """A commune or a hazard zone: where its rain is read and its susceptibility class."""

    place_type: str
    place_id: str
    name: str
    lon: float
    lat: float
    susceptibility: str | None


def reset_hour_of(config: dict[str, Any] | None) -> int | None:
    """The daily reset hour (local) of a gauge fed cumulatively (site config ``rain_feed:
    cumulative``, ``reset_hour``, default the cited hydro-met rain day), else None."""
    cfg = config or {}
    if cfg.get("rain_feed") != "cumulative":
        return None
    return int(cfg.get("reset_hour", number("reset_hour_local")))


def step_of(config: dict[str, Any] | None) -> int:
    """A gauge's reporting interval in seconds (site config ``interval_s``)."""
    value = (config or {}).get("interval_s", DEFAULT_STEP_S)
    return int(value) if int(value) > 0 else DEFAULT_STEP_S


def slots(
    obs: Sequence[tuple[int, float | None, str | None]], first: int, last: int, step_s: int
) -> tuple[list[float | None], list[str | None]]:
    """A regular series from ``first`` to ``last``: one value per slot, "gap" where none came."""
    n = (last - first) // step_s + 1
    values: list[float | None] = [None] * n
    why: list[str | None] = ["gap"] * n
    for t, v, reason in obs:
        i, off = divmod(t - first, step_s)
        if off == 0 and 0 <= i < n:  # off-grid readings are not this gauge's intervals
            values[i], why[i] = v, reason
    return values, why


def cumulative_slots(
    obs: Sequence[tuple[int, float | None, str | None]],
    first: int,
    last: int,
    step_s: int,
    reset_hour_local: int,
) -> tuple[list[float | None], list[str | None]]:
    """Slots from a cumulative feed (``RainCum``: mm since the daily reset), differenced by
    :func:`stations.rain.feed.difference`. An interval spanning several slots puts its rain on
    its last slot; the slots before it stay "no data" (the total is right, the timing unknown)."""
    samples = [(t, v) for t, v, _ in obs if v is not None]
    per_interval = [
        (i.end, i.mm, i.note or None) for i in feed.difference(samples, reset_hour_local)
    ]
    return slots([o for o in per_interval if o[0] >= first], first, last, step_s)


def update_gauge(
    conn: Connection,
    station_id: str,
    step_s: int,
    start: int,
    end: int,
    cumulative: int | None = None,
) -> int:
    """Recompute and store the intervals of one gauge for ``[start, end]``; returns the count.
    ``cumulative``: the reset hour (local) of a cumulative feed, None for rain per interval."""
    start, end = start - start % step_s, end - end % step_s
    prev = store.tank_state_before(conn, station_id, start)
    first = start - LOOKBACK_S
    if cumulative is None:
        values, why = slots(store.gauge_readings(conn, station_id, first, end), first, end, step_s)
    else:  # the sample before ``first`` is needed to difference the first slot
        obs = store.gauge_readings(conn, station_id, first - DAY, end, CUMULATIVE)
        values, why = cumulative_slots(obs, first, end, step_s, cumulative)
    clean, reasons = rain_qc.check(values, step_s)
    qc = [reasons.get(i, why[i] if clean[i] is None else None) for i in range(len(clean))]
    emit = (start - first) // step_s
    if prev is not None and prev[0] == start - step_s:  # continue the stored tanks
        rows = accumulate(clean, qc, first, step_s, emit_from=emit, state=prev[1])
    else:  # no adjacent state: warm the tanks up from empty over the look-back
        rows = accumulate(clean, qc, first, step_s)[emit:]
    store.replace_intervals(conn, station_id, rows)
    return len(rows)


def gauges_now(
    conn: Connection, at: int, positions: dict[str, tuple[float, float, int]]
) -> list[GaugeNow]:
    """Every gauge's newest interval at ``at`` (silent more than :data:`STALE_S`: left out;
    silent for more than one interval: its sums count as incomplete)."""
    out = []
    for sid, row in store.latest_intervals(conn, at, STALE_S).items():
        if sid not in positions:
            continue
        lon, lat, step_s = positions[sid]
        fresh = row.at > at - 2 * step_s
        out.append(
            GaugeNow(
                station_id=sid,
                lon=lon,
                lat=lat,
                rain24=row.r24h,
                complete=fresh and row.missing_24h == 0 and row.prior_complete,
                prior_days=row.prior_days,
                prior_1d=row.prior_1d,
                prior_2d=row.prior_2d,
                swi=row.swi if row.swi_complete else None,
            )
        )
    return out


def assess_places(
    conn: Connection,
    at: int,
    places: Sequence[Place],
    gauges: Sequence[GaugeNow],
    *,
    region: str,
    radius_km: float = RADIUS_KM,
    hold_s: int = HOLD_S,
) -> list[dict[str, Any]]:
    """Assess and store every place at ``at``; returns the stored rows."""
    previous = store.last_levels(conn, before=at)
    rows = []
    for p in places:
        rain = place_rain(p.lon, p.lat, gauges, radius_km)
        a = assess(rain, p.susceptibility, region, p.place_id)
        prev = previous.get((p.place_type, p.place_id))
        issued, since = issued_level(
            prev.issued_level if prev else None,
            prev.below_since if prev else None,
            a.level,
            at,
            hold_s,
        )
        rows.append(
            {
                "place_type": p.place_type,
                "place_id": p.place_id,
                "at": at,
                "status": a.status,
                "level": a.level,
                "issued_level": issued,
                "below_since": since,
                "provisional": a.provisional,
                "lower_bound": a.lower_bound,
                "susceptibility": p.susceptibility,
                "rain24": rain.rain24,
                "prior_days": rain.prior_days,
                "prior_1d": rain.prior_1d,
                "prior_2d": rain.prior_2d,
                "swi": rain.swi,
                "gauges": [list(g) for g in rain.gauges],
                "reason": a.reason,
                "citation": a.citation,
            }
        )
    store.write_levels(conn, rows)
    return rows
