"""Read the conditions the rules watch from the store: compliance events, analyser states,
station silence and the hourly AQI.

The compliance tables belong to the compliance engine; they are read through a lightweight
``table()`` naming only the agreed columns, so this module works whether or not that area is
installed (an absent table simply yields no events).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, column, func, inspect, select, table

from stations.store.schema import latest_values, readings

MEASURING, CALIBRATING, DEVICE_ERROR = "00", "01", "02"

# The contract with the compliance engine (append-only; consumed by id with our own cursor).
compliance_events = table(
    "compliance_events",
    column("id"),
    column("episode_id"),
    column("station_id"),
    column("parameter"),
    column("event"),
    column("at"),
    column("value"),
    column("unit"),
    column("limit_value"),
    column("ratio"),
    column("band"),
    column("averaging"),
)


def new_compliance_events(conn: Connection, after_id: int, limit: int = 5000) -> list[Any]:
    """Compliance events with id > ``after_id``, in id order ([] if the table is absent)."""
    if not inspect(conn).has_table("compliance_events"):
        return []
    query = (
        select(compliance_events)
        .where(compliance_events.c.id > after_id)
        .order_by(compliance_events.c.id)
        .limit(limit)
    )
    return list(conn.execute(query))


@dataclass(frozen=True, slots=True)
class InstrumentState:
    """The current device status of one (station, parameter) and since when it holds."""

    station_id: str
    parameter: str
    status: str
    since: int  # first reading of the current run of this status, UTC epoch seconds
    last_at: int  # newest reading


def instrument_states(
    conn: Connection, station_ids: set[str] | None = None
) -> dict[tuple[str, str], InstrumentState]:
    """Latest device status per (station, parameter); a run of 01/02 is traced to its start."""
    query = select(latest_values)
    if station_ids is not None:
        query = query.where(latest_values.c.station_id.in_(sorted(station_ids)))
    out: dict[tuple[str, str], InstrumentState] = {}
    for row in conn.execute(query):
        since = row.observed_at
        if row.status != MEASURING:
            since = _run_start(conn, row.station_id, row.parameter, row.status, row.observed_at)
        out[(row.station_id, row.parameter)] = InstrumentState(
            row.station_id, row.parameter, row.status, since, row.observed_at
        )
    return out


def _run_start(conn: Connection, station_id: str, parameter: str, status: str, last: int) -> int:
    same = (readings.c.station_id == station_id, readings.c.parameter == parameter)
    other = conn.scalar(
        select(func.max(readings.c.observed_at)).where(
            *same, readings.c.status != status, readings.c.observed_at <= last
        )
    )
    first = conn.scalar(
        select(func.min(readings.c.observed_at)).where(
            *same, readings.c.status == status, readings.c.observed_at > (other or -1)
        )
    )
    return int(first if first is not None else last)


def abnormal_statuses(
    conn: Connection, station_id: str, parameter: str, start: int, end: int
) -> set[str]:
    """Device statuses other than 00 seen for (station, parameter) in ``(start, end]``."""
    query = (
        select(readings.c.status)
        .distinct()
        .where(
            readings.c.station_id == station_id,
            readings.c.parameter == parameter,
            readings.c.observed_at > start,
            readings.c.observed_at <= end,
            readings.c.status != MEASURING,
        )
    )
    return set(conn.scalars(query))


def last_data_at(conn: Connection, station_ids: set[str] | None = None) -> dict[str, int]:
    """Newest observation time per station (stations that never sent data are absent)."""
    query = select(latest_values.c.station_id, func.max(latest_values.c.observed_at)).group_by(
        latest_values.c.station_id
    )
    if station_ids is not None:
        query = query.where(latest_values.c.station_id.in_(sorted(station_ids)))
    return {station: int(at) for station, at in conn.execute(query)}


def latest_aqi(conn: Connection) -> dict[str, tuple[float, int]]:
    """``{station_id: (hourly AQI, hour time)}`` from the compliance engine, if installed.

    Accepts the provider's rows as mappings or objects with ``station_id``, ``aqi`` and
    ``hour_start``/``at``; anything else is ignored rather than guessed.
    """
    try:
        module = importlib.import_module("stations.store.compliance")
    except ModuleNotFoundError:
        return {}
    provider = getattr(module, "latest_aqi", None)
    if provider is None:
        return {}
    result = provider(conn)
    items = result.items() if isinstance(result, dict) else ((None, r) for r in result)
    out: dict[str, tuple[float, int]] = {}
    for key, item in items:
        get = item.get if isinstance(item, dict) else lambda k, i=item: getattr(i, k, None)
        station = key or get("station_id")
        aqi = item if isinstance(item, int | float) else get("aqi")
        at = None if isinstance(item, int | float) else (get("hour_start") or get("at"))
        if station is not None and aqi is not None:
            out[str(station)] = (float(aqi), int(at or 0))
    return out
