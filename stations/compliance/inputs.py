"""Read the means the engine compares: hourly means (ingestion) and O2-normalised hourly means
(flue gas, maintained here from the readings)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, select

from stations.averaging import (
    HOUR,
    O2_CONSTANT,
    expected_per_hour,
    o2_normalise,
    readings_needed,
)
from stations.compliance.windows import group_windows
from stations.qc import INVALID_MASK
from stations.sites import Site
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.dbapi import execute_many, fetch_all
from stations.store.readings import _in_list
from stations.store.schema import hourly_means

MEASURING = "00"
# Parameters of a stack that are never normalised to reference O2 (they are not concentrations).
NOT_NORMALISED = frozenset({"O2", "Temp", "Flow", "P", "RH", "WS", "WD"})


def normalised_parameters(site: Site) -> list[str]:
    """The flue-gas concentrations compared at reference O2 (needs O2 and a permit o2_ref)."""
    if site.kind != "fluegas" or site.permit is None or site.permit.o2_ref is None:
        return []
    if "O2" not in site.parameters:
        return []
    return sorted(p for p in site.parameters if p not in NOT_NORMALISED)


def expected_readings(site: Site) -> int:
    """Readings per hour the station should send (its polling interval, default 5 min)."""
    return expected_per_hour(site.interval_s / 60)


def refresh_normalised(
    conn: Connection,
    site: Site,
    start: int,
    end: int,
    now: int,
    o2_constant: float = O2_CONSTANT,
) -> int:
    """Recompute O2-normalised hourly means for hours in [start, end); returns rows written.

    Each reading is normalised with the O2 reading of the same timestamp (both QC-passed,
    status 00), then the hour is averaged: C_ref = C·(K − O2_ref)/(K − O2).
    """
    return refresh_normalised_many(conn, [(site, start, end)], now, o2_constant)


def refresh_normalised_many(
    conn: Connection,
    windows: Sequence[tuple[Site, int, int]],
    now: int,
    o2_constant: float = O2_CONSTANT,
) -> int:
    """:func:`refresh_normalised` for several stations (each with its window): one read of the
    readings per group of stations with the same hours, one delete and one insert in all."""
    params = {site.id: normalised_parameters(site) for site, _, _ in windows}
    sites = {site.id: site for site, _, _ in windows if params[site.id]}
    rows: list[tuple[Any, ...]] = []
    deletes: list[tuple[str, str, int, int]] = []
    for group in group_windows((s.id, lo, hi) for s, lo, hi in windows if s.id in sites):
        wanted = sorted({p for sid in group.windows for p in params[sid]} | {"O2"})
        by_station: dict[str, list[Any]] = {sid: [] for sid in group.windows}
        span = group.lo, group.hi
        for row in _keyed_rows(conn, _NORMALISING_READINGS, list(group.windows), wanted, *span):
            by_station[row[0]].append(row)
        for sid, found in by_station.items():
            lo, hi = group.windows[sid]
            site = sites[sid]
            rows += _normalised_rows(site, params[sid], found, lo, hi, now, o2_constant)
            deletes += [(sid, p, lo, hi) for p in params[sid]]
    execute_many(conn, _DELETE_NORMALISED, deletes)
    execute_many(conn, _INSERT_NORMALISED, rows)
    return len(rows)


# Joined in Python: SQLite's planner turns the self-join on observed_at into a range scan per
# O2 row (quadratic); index range reads are linear on both backends. Read on the DBAPI cursor:
# the step runs after every polled batch over days of a stack's readings, and SQLAlchemy's
# row objects took half of its time (issue 20). Same validity rule as hourly_means: flat-line
# and spike flags are informational.
_NORMALISING_READINGS = (
    "SELECT station_id, parameter, observed_at, value, unit FROM readings "
    "WHERE station_id {ids} AND parameter {params} AND observed_at >= ? AND observed_at < ? "
    f"AND status = '{MEASURING}' AND (qc_flags & {INVALID_MASK}) = 0 AND value IS NOT NULL"
)
# written on the DBAPI cursor too: SQLAlchemy's executemany of dicts cost as much as the reads
_DELETE_NORMALISED = (
    "DELETE FROM normalised_hourly_means "
    "WHERE station_id = ? AND parameter = ? AND hour_start >= ? AND hour_start < ?"
)
_NORMALISED_COLUMNS = (
    "station_id, parameter, hour_start, mean, n_valid, unit, o2_ref, o2_constant, updated_at"
)
_INSERT_NORMALISED = (
    f"INSERT INTO normalised_hourly_means ({_NORMALISED_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)"
)


def _normalised_rows(
    site: Site,
    params: list[str],
    found: list[Any],
    start: int,
    end: int,
    now: int,
    o2_constant: float,
) -> list[tuple[Any, ...]]:
    """Normalised hourly means of one station from its ``(station, parameter, t, value,
    unit)`` readings (those outside [start, end) or its parameters are another window's), as
    rows of ``normalised_hourly_means`` in :data:`_NORMALISED_COLUMNS` order."""
    assert site.permit is not None and site.permit.o2_ref is not None
    o2_ref = float(site.permit.o2_ref)
    wanted = set(params)  # never O2 (NOT_NORMALISED)
    # one pass for the O2 of each timestamp, one for the concentrations (no list in between)
    o2 = {
        t: float(value)
        for _sid, parameter, t, value, _unit in found
        if parameter == "O2" and start <= t < end and value < o2_constant
    }
    sums: dict[tuple[str, int], list[float]] = {}
    units: dict[str, str] = {}
    for _sid, parameter, t, value, unit in found:
        if parameter not in wanted or not start <= t < end:
            continue
        o2_value = o2.get(t)
        if o2_value is None:
            continue
        normalised = o2_normalise(float(value), o2_value, o2_ref, o2_constant)
        if normalised is None:
            continue
        key = (parameter, t - t % HOUR)
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [0.0, 0]
        acc[0] += normalised
        acc[1] += 1
        units[parameter] = unit
    return [
        (site.id, parameter, int(hour), total / n, int(n), units[parameter], o2_ref,
         o2_constant, now)
        for (parameter, hour), (total, n) in sums.items()
    ]  # fmt: skip


def load_hours(
    conn: Connection, site: Site, start: int, end: int, min_fraction: float = 0.75
) -> dict[str, dict[int, float]]:
    """``{parameter: {hour_start: mean}}`` of complete hours in [start, end).

    Flue-gas concentrations come from the O2-normalised table, everything else from
    ``hourly_means``.
    """
    return load_hours_many(conn, [(site, start, end)], min_fraction)[site.id]


def _keyed_rows(
    conn: Connection, sql: str, ids: list[str], params: list[str], lo: int, hi: int
) -> list[Any]:
    """Rows of ``sql`` (its ``{ids}`` and ``{params}`` IN tests, then ``lo`` and ``hi``) as
    plain tuples, read on the DBAPI cursor: the chain reads days of rows after every batch."""
    id_test, id_args = _in_list(conn, ids)
    param_test, param_args = _in_list(conn, params)
    sql = sql.format(ids=id_test, params=param_test)
    return fetch_all(conn, sql, [*id_args, *param_args, lo, hi])


# naming the parameters lets both backends seek the (station, parameter, hour) key
_MEANS = {
    t.name: f"SELECT station_id, parameter, hour_start, mean, n_valid FROM {t.name} "
    "WHERE station_id {ids} AND parameter {params} AND hour_start >= ? AND hour_start < ?"
    for t in (hourly_means, normalised_hourly_means)
}


def load_hours_many(
    conn: Connection, windows: Sequence[tuple[Site, int, int]], min_fraction: float = 0.75
) -> dict[str, dict[str, dict[int, float]]]:
    """:func:`load_hours` of several stations, each over its own window, keyed by station:
    one read of each means table per group of stations with the same hours."""
    sites = {site.id: site for site, _, _ in windows}
    normalised = {sid: set(normalised_parameters(site)) for sid, site in sites.items()}
    plain = {sid: set(site.parameters) - normalised[sid] for sid, site in sites.items()}
    # complete_hours' rule applied as the rows stream in: no per-row tuples to filter after
    need = {sid: readings_needed(expected_readings(s), min_fraction) for sid, s in sites.items()}
    out: dict[str, dict[str, dict[int, float]]] = {sid: {} for sid in sites}
    for group in group_windows((s.id, lo, hi) for s, lo, hi in windows):
        for table, wanted in ((hourly_means, plain), (normalised_hourly_means, normalised)):
            params = sorted({p for sid in group.windows for p in wanted[sid]})
            if not params:
                continue
            # a row outside its station's own window or parameters is another station's read
            keep = {
                sid: (wanted[sid], lo, hi, need[sid], out[sid])
                for sid, (lo, hi) in group.windows.items()
            }
            span = group.lo, group.hi
            rows = _keyed_rows(conn, _MEANS[table.name], list(group.windows), params, *span)
            for sid, p, h, mean, n in rows:
                own, lo, hi, least, by_parameter = keep[sid]
                if p in own and lo <= h < hi:
                    hours = by_parameter.get(p)
                    if hours is None:  # a parameter with rows is present even if none complete
                        hours = by_parameter[p] = {}
                    if mean is not None and n >= least:
                        hours[int(h)] = mean
    return out


def data_end(conn: Connection, site: Site) -> int | None:
    """End of the newest hour with a mean for the station (None when it has none)."""
    last = conn.scalar(
        select(func.max(hourly_means.c.hour_start)).where(hourly_means.c.station_id == site.id)
    )
    return None if last is None else int(last) + HOUR
