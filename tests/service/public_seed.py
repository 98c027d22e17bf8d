"""Readable seed for the public-portal tests: the demo registry, one live air station, one
silent one, a permit, a contact-bearing alerts file, a user and an API token.

LS_SONNMT_KK01 sends every 5 minutes for the last 50 hours (PM2.5 40 µg/m³ → NowCast 40 → VN_AQI 80,
"Trung bình", QĐ 1459 Bảng 2: 25→50, 50→100); LS_SONNMT_KK02 last sent two days ago.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from service.bootstrap import import_stations
from stations.compliance.engine import recompute
from stations.store.readings import insert_readings, refresh_hourly, refresh_latest
from stations.timeutil import now_epoch

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
LIVE, SILENT = "LS_SONNMT_KK01", "LS_SONNMT_KK02"
H = 3600


def send(engine: Engine, station: str, start: int, end: int, values: dict[str, float]) -> None:
    rows = [
        (station, p, t, v, "µg/Nm³", "00", 0, None)
        for t in range(start, end, 300)
        for p, v in values.items()
    ]
    hours = {(station, p, t - t % H) for t in range(start, end, 300) for p in values}
    with engine.begin() as conn:
        insert_readings(conn, rows)
        refresh_hourly(conn, hours)
        refresh_latest(conn, [(station, p, start, end) for p in values])


def seed(engine: Engine) -> int:
    """Seed and compute AQI; returns the 'now' used."""
    import_stations(engine, DEMO)
    now = now_epoch()
    now -= now % 300
    send(engine, LIVE, now - 50 * H, now + 1, {"PM2.5": 40.0, "PM10": 60.0, "NO2": 30.0})
    old = now - 2 * 86400
    send(engine, SILENT, old - 14 * H, old, {"PM2.5": 200.0, "PM10": 300.0})
    recompute(engine, now - 3 * 86400, now + 1, now=now, station_ids=[LIVE, SILENT])
    return now
