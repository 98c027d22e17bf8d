"""Read the means the engine compares: hourly means (ingestion) and O2-normalised hourly means
(flue gas, maintained here from the readings)."""

from __future__ import annotations

from sqlalchemy import Connection, delete, func, insert, select

from stations.averaging import HOUR, O2_CONSTANT, complete_hours, expected_per_hour, o2_normalise
from stations.qc import INVALID_MASK
from stations.sites import Site
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.schema import hourly_means, readings

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
    params = normalised_parameters(site)
    if not params:
        return 0
    assert site.permit is not None and site.permit.o2_ref is not None
    o2_ref = float(site.permit.o2_ref)
    # Joined in Python: SQLite's planner turns the self-join on observed_at into a range scan
    # per O2 row (quadratic); two index range reads are linear on both backends.
    window = (
        readings.c.station_id == site.id,
        readings.c.observed_at >= start,
        readings.c.observed_at < end,
        readings.c.status == MEASURING,
        # same validity rule as hourly_means: flat-line and spike flags are informational
        readings.c.qc_flags.op("&")(INVALID_MASK) == 0,
        readings.c.value.is_not(None),
    )
    # One read for O2 and the concentrations (the after-ingest step runs this for every
    # flue-gas station of every batch); O2 is split out before anything is normalised.
    query = select(
        readings.c.parameter, readings.c.observed_at, readings.c.value, readings.c.unit
    ).where(readings.c.parameter.in_([*params, "O2"]), *window)
    concentrations = []
    o2: dict[int, float] = {}
    for row in conn.execute(query):
        if row[0] != "O2":
            concentrations.append(row)
        elif row[2] < o2_constant:
            o2[int(row[1])] = float(row[2])
    sums: dict[tuple[str, int], list[float]] = {}
    units: dict[str, str] = {}
    for parameter, t, value, unit in concentrations:
        o2_value = o2.get(int(t))
        if o2_value is None:
            continue
        normalised = o2_normalise(float(value), o2_value, o2_ref, o2_constant)
        if normalised is None:
            continue
        acc = sums.setdefault((parameter, int(t) - int(t) % HOUR), [0.0, 0])
        acc[0] += normalised
        acc[1] += 1
        units[parameter] = unit
    rows = [
        {
            "station_id": site.id,
            "parameter": parameter,
            "hour_start": hour,
            "mean": total / n,
            "n_valid": int(n),
            "unit": units[parameter],
            "o2_ref": o2_ref,
            "o2_constant": o2_constant,
            "updated_at": now,
        }
        for (parameter, hour), (total, n) in sums.items()
    ]
    conn.execute(
        delete(normalised_hourly_means).where(
            normalised_hourly_means.c.station_id == site.id,
            normalised_hourly_means.c.parameter.in_(params),
            normalised_hourly_means.c.hour_start >= start,
            normalised_hourly_means.c.hour_start < end,
        )
    )
    if rows:
        conn.execute(insert(normalised_hourly_means), rows)
    return len(rows)


def load_hours(
    conn: Connection, site: Site, start: int, end: int, min_fraction: float = 0.75
) -> dict[str, dict[int, float]]:
    """``{parameter: {hour_start: mean}}`` of complete hours in [start, end).

    Flue-gas concentrations come from the O2-normalised table, everything else from
    ``hourly_means``.
    """
    expected = expected_readings(site)
    normalised = set(normalised_parameters(site))
    raw: dict[str, list[tuple[int, float | None, int]]] = {}
    query = select(
        hourly_means.c.parameter,
        hourly_means.c.hour_start,
        hourly_means.c.mean,
        hourly_means.c.n_valid,
    ).where(
        hourly_means.c.station_id == site.id,
        # naming the parameters lets both backends seek the (station, parameter, hour) key
        hourly_means.c.parameter.in_(sorted(set(site.parameters) - normalised)),
        hourly_means.c.hour_start >= start,
        hourly_means.c.hour_start < end,
    )
    # .all(): one DBAPI fetch; iterating the result fetched row by row (a year is 78,840 rows)
    for p, h, mean, n in conn.execute(query).all():
        if p not in normalised:
            raw.setdefault(p, []).append((int(h), mean, int(n)))
    if normalised:
        nq = select(
            normalised_hourly_means.c.parameter,
            normalised_hourly_means.c.hour_start,
            normalised_hourly_means.c.mean,
            normalised_hourly_means.c.n_valid,
        ).where(
            normalised_hourly_means.c.station_id == site.id,
            normalised_hourly_means.c.parameter.in_(sorted(normalised)),
            normalised_hourly_means.c.hour_start >= start,
            normalised_hourly_means.c.hour_start < end,
        )
        for p, h, mean, n in conn.execute(nq).all():
            raw.setdefault(p, []).append((int(h), mean, int(n)))
    return {p: complete_hours(rows, expected, min_fraction) for p, rows in raw.items()}


def data_end(conn: Connection, site: Site) -> int | None:
    """End of the newest hour with a mean for the station (None when it has none)."""
    last = conn.scalar(
        select(func.max(hourly_means.c.hour_start)).where(hourly_means.c.station_id == site.id)
    )
    return None if last is None else int(last) + HOUR
