"""Queries of the rain area: gauge readings in, accumulations and place levels out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select

from stations.qc import INVALID_MASK
from stations.rain import PARAMETER
from stations.rain.accumulate import RainRow
from stations.rain.tank import TankState
from stations.store.rain_tables import rain_intervals, warning_levels
from stations.store.schema import readings, sites


def rain_gauges(conn: Connection) -> list[Any]:
    """Active ``kind: rain`` stations: id, name, lon, lat, config."""
    query = select(
        sites.c.id, sites.c.name, sites.c.lon, sites.c.lat, sites.c.config, sites.c.synthetic
    )
    query = query.where(sites.c.kind == "rain", sites.c.active.is_(True)).order_by(sites.c.id)
    return list(conn.execute(query))


def gauge_readings(
    conn: Connection, station_id: str, start: int, end: int, parameter: str = PARAMETER
) -> list[tuple[int, float | None, str | None]]:
    """``(observed_at, mm or None, why None)`` of the rain parameter in ``[start, end]``; a reading
    with an invalid QC flag or a device status other than 00 counts as no data."""
    query = (
        select(readings.c.observed_at, readings.c.value, readings.c.status, readings.c.qc_flags)
        .where(
            readings.c.station_id == station_id,
            readings.c.parameter == parameter,
            readings.c.observed_at.between(start, end),
        )
        .order_by(readings.c.observed_at)
    )
    out: list[tuple[int, float | None, str | None]] = []
    for t, v, status, flags in conn.execute(query):
        if status != "00":
            out.append((t, None, f"status_{status}"))
        elif flags & INVALID_MASK and not (v is not None and v < 0):
            out.append((t, None, "qc_invalid"))
        else:
            out.append((t, v, None))  # negatives are named by the rain QC
    return out


def tank_state_before(conn: Connection, station_id: str, at: int) -> tuple[int, TankState] | None:
    """The stored interval just before ``at`` and its tank state."""
    row = conn.execute(
        select(rain_intervals.c.at, rain_intervals.c.s1, rain_intervals.c.s2, rain_intervals.c.s3)
        .where(rain_intervals.c.station_id == station_id, rain_intervals.c.at < at)
        .order_by(rain_intervals.c.at.desc())
        .limit(1)
    ).first()
    return (row.at, TankState(row.s1, row.s2, row.s3)) if row else None


def replace_intervals(conn: Connection, station_id: str, rows: Sequence[RainRow]) -> None:
    """Replace the stored intervals of ``station_id`` over the span of ``rows``."""
    if not rows:
        return
    conn.execute(
        delete(rain_intervals).where(
            rain_intervals.c.station_id == station_id,
            rain_intervals.c.at.between(rows[0].at, rows[-1].at),
        )
    )
    conn.execute(insert(rain_intervals), [_interval_row(station_id, r) for r in rows])


def _interval_row(station_id: str, r: RainRow) -> dict[str, Any]:
    return {
        "station_id": station_id,
        "at": r.at,
        "mm": r.mm,
        "qc": r.qc,
        "r1h": r.sums[1],
        "r3h": r.sums[3],
        "r6h": r.sums[6],
        "r24h": r.sums[24],
        "r72h": r.sums[72],
        "missing_1h": r.missing[1],
        "missing_24h": r.missing[24],
        "missing_72h": r.missing[72],
        "prior_1d": r.prior_1d,
        "prior_2d": r.prior_2d,
        "prior_days": r.prior_days,
        "prior_complete": r.prior_complete,
        "swi": r.state.swi,
        "s1": r.state.s1,
        "s2": r.state.s2,
        "s3": r.state.s3,
        "swi_complete": r.swi_complete,
    }


def intervals(conn: Connection, station_id: str, start: int, end: int) -> list[Any]:
    """Stored intervals of one gauge in ``[start, end]``, oldest first."""
    query = (
        select(rain_intervals)
        .where(rain_intervals.c.station_id == station_id, rain_intervals.c.at.between(start, end))
        .order_by(rain_intervals.c.at)
    )
    return list(conn.execute(query))


def latest_intervals(conn: Connection, at: int, max_age_s: int) -> dict[str, Any]:
    """Per gauge, its newest interval in ``[at - max_age_s, at]``."""
    newest = (
        select(rain_intervals.c.station_id, func.max(rain_intervals.c.at).label("at"))
        .where(rain_intervals.c.at.between(at - max_age_s, at))
        .group_by(rain_intervals.c.station_id)
        .subquery()
    )
    query = select(rain_intervals).join(
        newest,
        and_(
            rain_intervals.c.station_id == newest.c.station_id, rain_intervals.c.at == newest.c.at
        ),
    )
    return {r.station_id: r for r in conn.execute(query)}


def last_levels(conn: Connection, before: int | None = None) -> dict[tuple[str, str], Any]:
    """The newest assessment (strictly before ``before`` when given), per place. Every place is
    assessed at every assessment time, so these are the rows of the newest time (two indexed
    lookups, however long the history)."""
    newest = select(func.max(warning_levels.c.at))
    if before is not None:
        newest = newest.where(warning_levels.c.at < before)
    at = conn.execute(newest).scalar()
    if at is None:
        return {}
    query = select(warning_levels).where(warning_levels.c.at == at)
    return {(r.place_type, r.place_id): r for r in conn.execute(query)}


def last_assessment_at(conn: Connection) -> int | None:
    """The newest time any place was assessed."""
    at: int | None = conn.execute(select(func.max(warning_levels.c.at))).scalar()
    return at


def write_levels(conn: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """Store assessments (one time for all; re-running the same time replaces them)."""
    rows = list(rows)
    if not rows:
        return
    times = {r["at"] for r in rows}
    conn.execute(delete(warning_levels).where(warning_levels.c.at.in_(sorted(times))))
    conn.execute(insert(warning_levels), rows)


def level_history(conn: Connection, start: int, end: int) -> list[Any]:
    """Every stored assessment in ``[start, end]``, by place then time."""
    query = (
        select(warning_levels)
        .where(warning_levels.c.at.between(start, end))
        .order_by(warning_levels.c.place_type, warning_levels.c.place_id, warning_levels.c.at)
    )
    return list(conn.execute(query))


def stored_history(
    conn: Connection, station_ids: Sequence[str], start: int, end: int
) -> dict[str, dict[int, tuple[float | None, str | None]]]:
    """Stored ``(mm, qc)`` of many gauges in ``[start, end]``: ``{id: {at: (mm, qc)}}``. One
    query read with the driver's ``fetchall`` (plain ints, floats and strings need no
    conversion, and the live cycle reads ~600 rows per gauge)."""
    c = rain_intervals.c
    query = select(c.station_id, c.at, c.mm, c.qc).where(
        c.station_id.in_(list(station_ids)), c.at.between(start, end)
    )
    out: dict[str, dict[int, tuple[float | None, str | None]]] = {}
    result = conn.execute(query)
    assert result.cursor is not None  # a SELECT has a cursor
    for sid, at, mm, qc in result.cursor.fetchall():
        out.setdefault(sid, {})[at] = (mm, qc)
    result.close()
    return out


def states_at(
    conn: Connection, station_ids: Sequence[str], start: int, end: int
) -> dict[tuple[str, int], TankState]:
    """Stored tank states of many gauges in ``[start, end]`` by (station, time)."""
    c = rain_intervals.c
    query = select(c.station_id, c.at, c.s1, c.s2, c.s3).where(
        c.station_id.in_(list(station_ids)), c.at.between(start, end)
    )
    return {(sid, at): TankState(s1, s2, s3) for sid, at, s1, s2, s3 in conn.execute(query)}


def readings_many(
    conn: Connection, station_ids: Sequence[str], start: int, end: int
) -> dict[str, list[tuple[int, float | None, str | None]]]:
    """:func:`gauge_readings` of many gauges in one query."""
    r = readings.c
    query = (
        select(r.station_id, r.observed_at, r.value, r.status, r.qc_flags)
        .where(
            r.station_id.in_(list(station_ids)),
            r.parameter == PARAMETER,
            r.observed_at.between(start, end),
        )
        .order_by(r.station_id, r.observed_at)
    )
    out: dict[str, list[tuple[int, float | None, str | None]]] = {}
    for sid, t, v, status, flags in conn.execute(query).tuples():
        if status != "00":
            item: tuple[int, float | None, str | None] = (t, None, f"status_{status}")
        elif flags & INVALID_MASK and not (v is not None and v < 0):
            item = (t, None, "qc_invalid")
        else:
            item = (t, v, None)
        out.setdefault(sid, []).append(item)
    return out


def replace_many(conn: Connection, rows_by_station: Mapping[str, Sequence[RainRow]]) -> None:
    """:func:`replace_intervals` for many gauges with one delete and one insert."""
    rows_by_station = {k: v for k, v in rows_by_station.items() if v}
    if not rows_by_station:
        return
    lo = min(v[0].at for v in rows_by_station.values())
    hi = max(v[-1].at for v in rows_by_station.values())
    conn.execute(
        delete(rain_intervals).where(
            rain_intervals.c.station_id.in_(list(rows_by_station)),
            rain_intervals.c.at.between(lo, hi),
        )
    )
    conn.execute(
        insert(rain_intervals),
        [_interval_row(sid, r) for sid, rows in rows_by_station.items() for r in rows],
    )
