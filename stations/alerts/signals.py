"""Read the conditions the rules watch from the store: compliance events, analyser states,
station silence and the hourly AQI.

Compliance events are the compliance engine's append-only ``compliance_events`` table, consumed
by id with the alert engine's own cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from stations.store import compliance as compliance_store
from stations.store.compliance_tables import compliance_events
from stations.store.dbapi import fetch_all
from stations.store.readings import _in_list
from stations.store.schema import readings

MEASURING, CALIBRATING, DEVICE_ERROR = "00", "01", "02"


def new_compliance_events(conn: Connection, after_id: int, limit: int = 5000) -> list[Any]:
    """Compliance events with id > ``after_id``, in id order."""
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
    # plain tuples on the DBAPI cursor: the alert pass reads these after every polled batch
    sql = _LATEST_STATES
    args: list[Any] = []
    if station_ids is not None:
        if not station_ids:
            return {}
        test, args = _in_list(conn, sorted(station_ids))
        sql += f" WHERE station_id {test}"
    out: dict[tuple[str, str], InstrumentState] = {}
    for station_id, parameter, status, observed_at in fetch_all(conn, sql, args):
        since = observed_at
        if status != MEASURING:
            since = _run_start(conn, station_id, parameter, status, observed_at)
        out[(station_id, parameter)] = InstrumentState(
            station_id, parameter, status, since, observed_at
        )
    return out


_LATEST_STATES = "SELECT station_id, parameter, status, observed_at FROM latest_values"


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


def newest_by_station(states: dict[tuple[str, str], InstrumentState]) -> dict[str, int]:
    """Newest observation time per station (stations that never sent data are absent), from
    the ``latest_values`` rows :func:`instrument_states` read."""
    out: dict[str, int] = {}
    for (station_id, _), state in states.items():
        last = int(state.last_at)
        if last > out.get(station_id, last - 1):
            out[station_id] = last
    return out


def latest_aqi(conn: Connection) -> dict[str, tuple[float, int]]:
    """``{station_id: (hourly AQI, hour time)}`` from the compliance engine's newest hours."""
    return {
        station: (float(row["aqi"]), int(row["at"]))
        for station, row in compliance_store.latest_aqi(conn).items()
    }
