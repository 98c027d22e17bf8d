"""Warnings benchmark: one full cycle for 300 rain gauges at a 10-minute cadence.

Builds a SQLite database under a temporary folder: 65 synthetic communes, the demo's synthetic
landslide and flood zones, 300 synthetic gauges spread over the province and four days of
10-minute rain from the synthetic storm. After one warm-up pass (the whole span), each measured
cycle stores one new interval per gauge and runs what the after-ingest step runs: accumulations
and the soil-water index of the 300 gauges, the levels of every commune and zone (IDW, table,
hysteresis) and the alert fold. Then replays a five-day storm and scores it against the
synthetic events. Run: ``.venv/bin/python bench/bench_warnings.py [--gauges 300]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from layers.warnings import recompute, replay
from layers.zones import import_zones
from service.database import make_engine, upgrade
from service.demo.rain import synthetic_events
from service.demo.rain_gauges import rain_gauge, rain_rows
from service.demo.simulator.storm import demo_storm
from service.demo.synthetic_communes import load_synthetic_communes, synthetic_communes
from service.demo.synthetic_zones import flood_zones, landslide_raster
from stations.alerts.config import AlertConfig
from stations.rain.alerts import raise_alerts
from stations.rain.verify import score
from stations.store.schema import readings
from stations.store.sites import sync_parameters, upsert_sites

STEP = 600
NOW = 1_790_000_400  # aligned to 10 minutes
CONFIG = AlertConfig.model_validate(
    {"contacts": [{"id": "duty", "email": "duty@example.vn"}], "duty_officer": "duty"}
)


def build(url: str, data: Path, n_gauges: int, days: float) -> list[tuple[str, float, float]]:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    load_synthetic_communes(engine, NOW)
    import_zones(
        engine,
        landslide_raster(data / "ls.tif", pixel_m=250),
        hazard="landslide",
        data_dir=data,
        now=NOW,
        source_id="ls",
        synthetic=True,
    )
    import_zones(
        engine,
        flood_zones(data / "fl.gpkg"),
        hazard="flood",
        data_dir=data,
        now=NOW,
        source_id="fl",
        synthetic=True,
    )
    rng = random.Random(300)
    west, south, east, north = 106.1, 21.35, 107.35, 22.45
    gauges = [
        (f"G{i:03d}", rng.uniform(west, east), rng.uniform(south, north)) for i in range(n_gauges)
    ]
    with engine.begin() as conn:
        upsert_sites(
            conn,
            [rain_gauge(g, g, lon, lat, STEP) for g, lon, lat in gauges],
            NOW,
        )
    storm = demo_storm(NOW)
    start = NOW - int(days * 86400)
    rows = [
        row
        for g, lon, lat in gauges
        for row in rain_rows(
            g, ((t, storm.rain_mm(g, lon, lat, t, STEP)) for t in range(start, NOW + 1, STEP))
        )
    ]
    with engine.begin() as conn:
        for i in range(0, len(rows), 20_000):
            conn.execute(insert(readings), rows[i : i + 20_000])
    engine.dispose()
    return gauges


def cycle(engine, gauges, t: int) -> tuple[float, float, int]:
    """One live cycle: (wall seconds, CPU seconds of this process, places assessed). On a
    shared machine the CPU time is the fair "one core" figure: SQLite runs in-process."""
    storm = demo_storm(NOW)
    with engine.begin() as conn:
        conn.execute(
            insert(readings),
            [
                row
                for g, lon, lat in gauges
                for row in rain_rows(g, [(t, storm.rain_mm(g, lon, lat, t, STEP))])
            ],
        )
    t0, c0 = time.perf_counter(), time.process_time()
    levels = recompute(engine, {g: (t, t) for g, _, _ in gauges})
    with engine.begin() as conn:
        raise_alerts(conn, levels, {}, CONFIG, t, base_url="http://x", hold_s=1800)
    return time.perf_counter() - t0, time.process_time() - c0, len(levels)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gauges", type=int, default=300)
    ap.add_argument("--cycles", type=int, default=6)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = f"sqlite:///{data / 'bench.db'}"
        t0 = time.perf_counter()
        gauges = build(url, data, args.gauges, days=5)
        print(f"build: {args.gauges} gauges x 5 days in {time.perf_counter() - t0:.1f}s")
        engine = make_engine(url)
        t0 = time.perf_counter()
        recompute(engine, {g: (NOW - 5 * 86400, NOW) for g, _, _ in gauges})
        print(f"warm-up (whole 5 days, every gauge): {time.perf_counter() - t0:.1f}s")
        times, cpu, places = [], [], 0
        for k in range(1, args.cycles + 1):
            dt, dc, places = cycle(engine, gauges, NOW + k * STEP)
            times.append(dt)
            cpu.append(dc)
        print(
            f"cycle ({args.gauges} gauges, {places} places incl. alerts): wall median "
            f"{statistics.median(times) * 1000:.0f} ms (max {max(times) * 1000:.0f}), CPU "
            f"median {statistics.median(cpu) * 1000:.0f} ms (max {max(cpu) * 1000:.0f}), "
            f"{len(times)} cycles"
        )
        t0 = time.perf_counter()
        series = replay(engine, NOW - 5 * 86400, NOW, step_s=3600)
        print(f"replay of 5 days, hourly: {time.perf_counter() - t0:.1f}s")
        events = [
            (f"commune:{c}", at)
            for c, at in synthetic_events(
                demo_storm(NOW), synthetic_communes(), NOW - 5 * 86400, NOW
            )
        ]
        levels = {f"{k[0]}:{k[1]}": v for k, v in series.items()}
        print(
            "level  hits  misses  false_alarms  CSI    median_lead_h   (synthetic events: "
            f"{len(events)})"
        )
        for level in (1, 2, 3):
            s = score(levels, events, level)
            lead = "—" if s.median_lead_s is None else f"{s.median_lead_s / 3600:.1f}"
            csi = "—" if s.csi is None else f"{s.csi:.2f}"
            counts = f"{level:>5}  {s.hits:>4}  {s.misses:>6}  {s.false_alarms:>12}"
            print(f"{counts}  {csi:>5}  {lead:>13}")
        engine.dispose()


if __name__ == "__main__":
    main()
