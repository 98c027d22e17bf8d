"""Compliance benchmark: recompute a year for the 13 demo stations; incremental evaluation.

Builds a SQLite database under a temporary folder with one year of synthetic hourly means for
every station parameter (air, wastewater) and 5-minute readings for the six flue-gas stacks
(normalised to reference O2 from the readings), then measures:
1. ``recompute`` of the whole year (episodes + VN_AQI), one core;
2. ``after_ingest`` for one 5-minute file per station (median over many files).
Run: ``.venv/bin/python bench/bench_compliance.py [--days 365]``.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from service.bootstrap import import_stations
from service.database import make_engine, upgrade
from stations.compliance.engine import after_ingest, recompute
from stations.store.schema import hourly_means, readings
from stations.store.sites import list_sites, sync_parameters
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parent.parent / "stations" / "demo" / "stations.yaml"
T0 = int(datetime(2025, 1, 1, tzinfo=VN_OFFSET).timestamp())
BASE = {"PM2.5": 30, "PM10": 50, "TSP": 90, "SO2": 40, "NO2": 45, "CO": 2500, "O3": 60,
        "Temp": 25, "RH": 80, "Flow": 200, "pH": 7, "TSS": 60, "COD": 110, "NH4": 6,
        "TN": 20, "TP": 3, "Color": 60, "Dust": 120, "NOx": 500, "O2": 12, "P": 100}  # fmt: skip


def _value(parameter: str, t: int, rng: random.Random) -> float:
    daily = 1 + 0.3 * math.sin(2 * math.pi * ((t // 3600) % 24) / 24)
    spike = 1.8 if rng.random() < 0.02 else 1.0  # a few exceedances
    return round(BASE.get(parameter, 10) * daily * spike * rng.uniform(0.85, 1.15), 3)


def build(url: str, days: int) -> None:
    """Migrate, import the demo stations and write the synthetic year."""
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    import_stations(engine, DEMO)
    rng = random.Random(4)
    with engine.connect() as conn:
        sites = list_sites(conn, site_type="station")
    for site in sites:
        hourly, raw = [], []
        for h in range(days * 24):
            start = T0 + h * 3600
            for p in site.parameters:
                if site.kind == "fluegas":
                    for k in range(12):
                        raw.append({"station_id": site.id, "parameter": p,
                                    "observed_at": start + k * 300,
                                    "value": _value(p, start, rng), "unit": "mg/Nm³",
                                    "status": "00", "qc_flags": 0})  # fmt: skip
                v = _value(p, start, rng)
                hourly.append({"station_id": site.id, "parameter": p, "hour_start": start,
                               "mean": v, "min": v, "max": v, "n_valid": 12, "n_total": 12,
                               "unit": "x"})  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(hourly_means), hourly)
            for i in range(0, len(raw), 50_000):
                conn.execute(insert(readings), raw[i : i + 50_000])
    engine.dispose()


def main() -> None:
    """Build, measure, print the figures for bench/README.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--files", type=int, default=20, help="files per station (incremental)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t = time.perf_counter()
        build(url, args.days)
        print(f"setup: {args.days} days, 13 stations in {time.perf_counter() - t:.1f} s")
        engine = make_engine(url)
        end = T0 + args.days * 86400
        t = time.perf_counter()
        stats = recompute(engine, T0, end, now=end)
        full = time.perf_counter() - t
        print(f"recompute {args.days} days x {stats.stations} stations: {full:.1f} s "
              f"({stats.episodes.inserted} episodes, {stats.episodes.events} events, "
              f"{stats.aqi_hours} AQI hours, {stats.aqi_days} AQI days)")  # fmt: skip
        t = time.perf_counter()
        again = recompute(engine, T0, end, now=end)
        print(f"recompute again (no change: {not again.episodes.changed}): "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip
        with engine.connect() as conn:
            sites = list_sites(conn, site_type="station")
        timings: dict[str, list[float]] = {}
        for i in range(args.files):
            file_start = end - 3600 + (i % 12) * 300
            for site in sites:
                t = time.perf_counter()
                after_ingest(engine, site.id, file_start, file_start, now=end)
                timings.setdefault(site.kind, []).append(time.perf_counter() - t)
        every = [x for xs in timings.values() for x in xs]
        per_kind = ", ".join(
            f"{k} {statistics.median(v) * 1000:.2f} ms" for k, v in sorted(timings.items())
        )
        median_ms = statistics.median(every) * 1000
        print(f"incremental after one file: median {median_ms:.2f} ms over {len(every)} files; "
              f"{per_kind}")  # fmt: skip
        print(f"ratio full year / one file: {full / statistics.median(every):.0f}")
        engine.dispose()


if __name__ == "__main__":
    main()
