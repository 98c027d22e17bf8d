"""The 7-day chart data of one air station: hourly and daily VN_AQI, oldest first."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from sqlalchemy import Connection

from stations.aqi import category_of
from stations.store.compliance import aqi_series
from stations.timeutil import epoch_to_local_iso

DAYS = 7


def week_rows(conn: Connection, station: str, now: int, tz: tzinfo) -> dict[str, Any]:
    """``{station, hours: [{at, aqi, colour}], days: [...]}``; gaps stay gaps (no zeros)."""
    start = now - DAYS * 86400

    def rows(interval: str) -> list[dict[str, Any]]:
        return [
            {
                "at": epoch_to_local_iso(r["at"], tz),
                "aqi": r["aqi"],
                "colour": category_of(int(r["aqi"])).hex,
            }
            for r in aqi_series(conn, station, start, now + 1, interval)
        ]

    return {"station": station, "hours": rows("hour"), "days": rows("day")}
