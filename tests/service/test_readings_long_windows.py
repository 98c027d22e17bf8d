"""A year of day and hour means from the hourly-means table (issue 20), on both backends.

The readings API answers ``interval=hour|day`` from ``hourly_means``, never from raw rows. A
year of hours is seeded so that a day's mean must weight each hour by its valid readings:
even hours hold 12 valid readings of value ``d``, odd hours 6 valid readings of ``d + 10``,
so the day mean is ``(144 d + 72 (d + 10)) / 216 = d + 10/3`` (an unweighted mean of the
hours would give ``d + 5``). On PostGIS the hours are spread over 13 monthly partitions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, text

from service.bootstrap import import_stations
from stations.store.partitions import ensure_partitions
from stations.store.readings import station_units
from stations.store.schema import hourly_means

ROOT = Path(__file__).resolve().parents[2]
STATION, PARAMETER = "LS_XMDB_KHI01", "Dust"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST_DAY = datetime(2025, 11, 20, tzinfo=LOCAL)
DAYS = 365
NOW = 1_795_140_000  # 2026-11-20 09:00 +07:00, just after the year


@pytest.fixture
def a_year(engine: Engine) -> Engine:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        unit = station_units(conn)[STATION][PARAMETER]
    start = int(FIRST_DAY.timestamp())
    rows = [
        {
            "station_id": STATION,
            "parameter": PARAMETER,
            "hour_start": start + d * 86400 + h * 3600,
            "mean": float(d if h % 2 == 0 else d + 10),
            "min": float(d if h % 2 == 0 else d + 10),
            "max": float(d if h % 2 == 0 else d + 10),
            "n_valid": 12 if h % 2 == 0 else 6,
            "n_total": 12,
            "unit": unit,
        }
        for d in range(DAYS)
        for h in range(24)
    ]
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), rows)
    ensure_partitions(engine, NOW)  # PostGIS: the rows move out of DEFAULT into their months
    return engine


def _the_year(client, interval: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    params = {
        "parameter": PARAMETER,
        "interval": interval,
        "start": "2025-11-20",
        "end": "2026-11-20",
    }
    return client.get(f"/api/stations/{STATION}/readings", params=params).json()  # type: ignore[no-any-return]


def test_a_year_of_day_means_from_the_aggregates(client, a_year: Engine) -> None:  # type: ignore[no-untyped-def]
    if a_year.dialect.name == "postgresql":
        with a_year.connect() as conn:
            used = conn.execute(
                text("SELECT DISTINCT tableoid::regclass::text FROM hourly_means")
            ).scalars()
            assert len([name for name in used if name != "hourly_means_default"]) == 13
    body = _the_year(client, "day")
    (series,) = body["series"]
    points = series["points"]
    assert len(points) == DAYS
    for d, point in enumerate(points):
        assert point["time"] == (FIRST_DAY + timedelta(days=d)).isoformat()
        assert point["mean"] == pytest.approx(d + 10 / 3)
        assert (point["min"], point["max"]) == (d, d + 10)
        assert (point["n_valid"], point["n_total"], point["hours"]) == (216, 288, 24)


def test_a_year_of_hour_means(client, a_year: Engine) -> None:  # type: ignore[no-untyped-def]
    body = _the_year(client, "hour")
    points = body["series"][0]["points"]
    assert len(points) == DAYS * 24
    last = points[-1]  # 2026-11-19 23:00 local, day 364, an odd hour
    assert last["time"] == "2026-11-19T23:00:00+07:00"
    assert (last["mean"], last["n_valid"], last["n_total"]) == (374, 6, 12)
