"""Compute VN_AQI rows for a window from complete hourly means and store them (idempotent:
the window's rows are replaced)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert

from stations.aqi import (
    AQI_PARAMETERS,
    NOWCAST_HOURS,
    AqiResult,
    daily_aqi,
    hourly_aqi,
    rolling_8h_max,
)
from stations.averaging import DAY, HOUR, hour_floor, local_day_start
from stations.store.compliance_tables import aqi_daily, aqi_hourly
from stations.timeutil import VN_OFFSET, from_epoch


def _row(result: AqiResult, now: int) -> dict[str, Any]:
    return {
        "aqi": result.aqi,
        "category": result.category.index,
        "label_vi": result.category.label_vi,
        "colour": result.category.hex,
        "dominant": result.dominant,
        "sub_indices": result.sub_indices,
        "concentrations": result.concentrations,
        "updated_at": now,
    }


def hourly_rows(
    hours: Mapping[str, Mapping[int, float]], first: int, last: int
) -> dict[int, AqiResult]:
    """Hourly AQI for hour starts in [first, last] from ``{param: {hour_start: mean}}``."""
    out: dict[int, AqiResult] = {}
    for h in range(first, last + 1, HOUR):
        history = {
            p: [hours.get(p, {}).get(h - i * HOUR) for i in range(NOWCAST_HOURS)]
            for p in AQI_PARAMETERS
            if h in hours.get(p, {}) or p in ("PM2.5", "PM10")
        }
        result = hourly_aqi(history)
        if result is not None:
            out[h] = result
    return out


def daily_rows(hours: Mapping[str, Mapping[int, float]], days: list[int]) -> dict[int, AqiResult]:
    """Daily AQI for local days starting at each epoch in ``days``."""
    out: dict[int, AqiResult] = {}
    for d in days:
        day = {p: [hours.get(p, {}).get(d + i * HOUR) for i in range(24)] for p in AQI_PARAMETERS}
        o3 = hours.get("O3", {})
        o3_8h = rolling_8h_max([o3.get(d + i * HOUR) for i in range(-7, 24)])
        result = daily_aqi(day, o3_8h)
        if result is not None:
            out[d] = result
    return out


def store_aqi(
    conn: Connection,
    station_id: str,
    hours: Mapping[str, Mapping[int, float]],
    start: int,
    end: int,
    now: int,
) -> tuple[int, int]:
    """Replace the station's hourly AQI for hours ending in (start, end] and the daily AQI of
    local days that ended in that window; returns (hours written, days written)."""
    return store_aqi_many(conn, [(station_id, hours, start, end)], now)[station_id]


AqiWindow = tuple[str, Mapping[str, Mapping[int, float]], int, int]
_H, _D = aqi_hourly.c, aqi_daily.c
_DELETE_HOURS = delete(aqi_hourly).where(
    _H.station_id == bindparam("sid"),
    _H.hour_start >= bindparam("lo"),
    _H.hour_start <= bindparam("hi"),
)
_DELETE_DAYS = delete(aqi_daily).where(
    _D.station_id == bindparam("sid"),
    _D.day_start >= bindparam("lo"),
    _D.day_start <= bindparam("hi"),
)


def store_aqi_many(
    conn: Connection, windows: Sequence[AqiWindow], now: int
) -> dict[str, tuple[int, int]]:
    """:func:`store_aqi` for several ``(station_id, hours, start, end)``: one delete and one
    insert per table for all of them; ``{station_id: (hours written, days written)}``."""
    counts: dict[str, tuple[int, int]] = {}
    hour_rows: list[dict[str, Any]] = []
    day_rows: list[dict[str, Any]] = []
    hour_deletes, day_deletes = [], []
    for station_id, hours, start, end in windows:
        first, last = hour_floor(start), hour_floor(end) - HOUR
        hourly = hourly_rows(hours, first, last) if last >= first else {}
        hour_deletes.append({"sid": station_id, "lo": first, "hi": last})
        hour_rows += [
            {"station_id": station_id, "hour_start": h, **_row(r, now)} for h, r in hourly.items()
        ]
        days = list(range(local_day_start(start), end - DAY + 1, DAY))
        daily = daily_rows(hours, days)
        if days:
            day_deletes.append({"sid": station_id, "lo": days[0], "hi": days[-1]})
        day_rows += [
            {
                "station_id": station_id,
                "day_start": d,
                "day": from_epoch(d, VN_OFFSET).date().isoformat(),
                **_row(r, now),
            }
            for d, r in daily.items()
        ]
        counts[station_id] = (len(hourly), len(daily))
    for statement, params in ((_DELETE_HOURS, hour_deletes), (_DELETE_DAYS, day_deletes)):
        if params:
            conn.execute(statement, params)
    for table, rows in ((aqi_hourly, hour_rows), (aqi_daily, day_rows)):
        if rows:
            conn.execute(insert(table), rows)
    return counts
