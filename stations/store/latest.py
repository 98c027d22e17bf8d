"""Queries on the small derived table of latest values."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from stations.store.schema import latest_values


def latest_by_station(conn: Connection, station_id: str | None = None) -> dict[str, dict[str, Any]]:
    """``{station_id: {parameter: {value, unit, observed_at, status, qc_flags}}}``."""
    query = select(latest_values)
    if station_id is not None:
        query = query.where(latest_values.c.station_id == station_id)
    out: dict[str, dict[str, Any]] = {}
    for r in conn.execute(query):
        out.setdefault(r.station_id, {})[r.parameter] = {
            "value": r.value,
            "unit": r.unit,
            "observed_at": r.observed_at,
            "status": r.status,
            "qc_flags": r.qc_flags,
        }
    return out
