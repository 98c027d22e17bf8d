"""Per-station compliance summary for a window: % of periods compliant, data capture %."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from sqlalchemy import Connection, func, select

from stations.averaging import HOUR, MIN_FRACTION, hour_floor, readings_needed
from stations.compliance.engine import LimitCache, local_day
from stations.compliance.inputs import expected_readings, normalised_parameters
from stations.compliance.period_counts import HourGrid, count_periods, hour_grid, periods
from stations.compliance.rules import resolve_limits
from stations.limits import LimitTable, load_limits
from stations.sites import Site
from stations.store.compliance import list_episodes
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.hour_columns import NO_ROWS, read_hour_columns
from stations.store.schema import hourly_means


def _captured(
    conn: Connection, site: Site, start: int, end: int, known: Mapping[str, int]
) -> dict[str, int]:
    """Valid readings per parameter in [start, end) (normalised ones for flue-gas stacks);
    ``known``: the sums of ``hourly_means`` parameters already read as columns."""
    out: dict[str, int] = dict(known)
    for table in (hourly_means, normalised_hourly_means):
        wanted = sorted(site.parameters)
        if table is hourly_means:
            wanted = [p for p in wanted if p not in known]
            if not wanted:
                continue
        query = (
            select(table.c.parameter, func.sum(table.c.n_valid))
            .where(
                table.c.station_id == site.id,
                table.c.parameter.in_(wanted),
                table.c.hour_start >= start,
                table.c.hour_start < end,
            )
            .group_by(table.c.parameter)
        )
        for parameter, n in conn.execute(query):
            if table is hourly_means and parameter in normalised_parameters(site):
                continue
            out[parameter] = int(n or 0)
    return out


def _grids(
    conn: Connection, site: Site, parameters: Iterable[str], start: int, end: int
) -> tuple[dict[str, HourGrid], dict[str, int]]:
    """Complete hourly means of [start − 8 h, end) per parameter, as :func:`load_hours` reads
    them (flue-gas concentrations from the O2-normalised table), and the valid readings in
    [start, end) of those read from ``hourly_means``."""
    normalised = normalised_parameters(site)
    need = readings_needed(expected_readings(site), MIN_FRACTION)
    grids, captured = {}, {}
    for parameter in parameters:
        table = normalised_hourly_means if parameter in normalised else hourly_means
        lo = start - 8 * HOUR
        if parameter not in site.parameters:  # a limit for a parameter not measured: no periods
            grids[parameter] = hour_grid(NO_ROWS, lo, end, need)
            continue
        rows = read_hour_columns(conn, table.name, site.id, parameter, lo, end)
        grids[parameter] = hour_grid(rows, lo, end, need)
        if table is hourly_means:
            captured[parameter] = int(rows.n_valid[rows.hour_start >= start].sum())
    return grids, captured


_caches: dict[str, tuple[tuple[Any, ...], LimitCache]] = {}


def _limit_cache(site: Site, table: LimitTable) -> LimitCache:
    """The station's limits per day, kept across requests while the station's configuration
    and the limit table (a new object when the overlay changes) stay the same: resolving a
    year of days costs more than the summary's arithmetic."""
    key = (site, id(table))
    held = _caches.get(site.id)
    if held is not None and held[0] == key and held[1].table is table:
        return held[1]
    cache = LimitCache(site, table)
    _caches[site.id] = (key, cache)
    return cache


def station_summary(
    conn: Connection, site: Site, start: int, end: int, near_fraction: float = 0.9
) -> dict[str, Any]:
    """Compliance summary of one station over [start, end) (epoch seconds)."""
    start, end = hour_floor(start), hour_floor(end)
    hours_in_window = max(0, (end - start) // HOUR)
    expected = expected_readings(site) * hours_in_window
    cache = _limit_cache(site, load_limits())
    _, unresolved = resolve_limits(
        site.kind, site.parameters, site.permit, local_day(max(start, end - 1))
    )
    series: list[dict[str, Any]] = []
    total_eval = total_ok = 0
    keys = sorted({k for day in {local_day(start), local_day(end - 1)} for k in cache.limits(day)})
    grids, known = _grids(conn, site, sorted({p for p, _ in keys}), start, end)
    captured = _captured(conn, site, start, end, known)
    for parameter, averaging in keys:
        starts, means = periods(grids[parameter], averaging, start, end)
        limit_at = partial(cache.at, parameter, averaging)
        evaluated, compliant, near = count_periods(starts, means, limit_at, near_fraction)
        total_eval += evaluated
        total_ok += compliant
        current = cache.at(parameter, averaging, end - 1)
        series.append(
            {
                "parameter": parameter,
                "averaging": averaging,
                "limit": current.as_dict() if current else None,
                "periods_evaluated": evaluated,
                "periods_compliant": compliant,
                "periods_near_limit": near,
                "pct_compliant": round(100 * compliant / evaluated, 1) if evaluated else None,
            }
        )
    capture = {
        p: round(100 * captured.get(p, 0) / expected, 1) if expected else None
        for p in sorted(site.parameters)
    }
    return {
        "station": site.id,
        "kind": site.kind,
        "hours": hours_in_window,
        "pct_compliant": round(100 * total_ok / total_eval, 1) if total_eval else None,
        "data_capture_pct": capture,
        "series": series,
        "unresolved": [u.as_dict() for u in unresolved],
        # "không đánh giá: thiếu giới hạn" — a parameter whose applicable limit has no value.
        "limits_missing": sorted({u.parameter for u in unresolved if u.missing}),
        "state": "limit_missing" if any(u.missing for u in unresolved) else "assessed",
        "low_confidence": any(s["limit"] and s["limit"]["low_confidence"] for s in series),
        "open_episodes": list_episodes(conn, station_id=site.id, open_only=True, include_near=True),
    }
