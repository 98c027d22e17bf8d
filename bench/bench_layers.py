"""Layer-serving benchmark: stations GeoJSON/OGC items, a bbox + property query over 10,000
monitoring points, and distinct hazard tiles, against a real uvicorn server on loopback.

Usage: .venv/bin/python bench/bench_layers.py [--seconds 8] [--workers 1]
The load generator (httpx in threads) shares the 2 cores with the server, so figures are
conservative and meant for ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from layers.communes import load_province_outline  # noqa: E402
from layers.synthetic import landslide_raster  # noqa: E402
from layers.zones import import_zones  # noqa: E402
from service.bootstrap import import_points, import_stations, prepare_database  # noqa: E402
from service.settings import Settings  # noqa: E402
from stations.sites import Site  # noqa: E402
from stations.store.sites import upsert_sites  # noqa: E402
from tests.layers.helpers import free_port  # noqa: E402

DEMO = ROOT / "stations" / "demo"


def _extra_points(n: int) -> list[Site]:
    rng = np.random.default_rng(7)
    media = ["surface_water", "groundwater", "ambient_air", "noise", "soil"]
    return [
        Site(
            id=f"BENCH-{i:05d}",
            name=f"Điểm thử {i}",
            site_type="point",
            kind="point",
            medium=media[i % 5],
            lon=float(rng.uniform(106.1, 107.35)),
            lat=float(rng.uniform(21.35, 22.45)),
            synthetic=True,
        )
        for i in range(n)
    ]


@contextmanager
def server_process(settings: Settings) -> Iterator[str]:
    """uvicorn in its own process (the load threads must not share the server's GIL)."""
    port = free_port()
    env = {
        **os.environ,
        "QUANTRAC_DATA_DIR": str(settings.data_dir),
        "QUANTRAC_SCHEDULER_ENABLED": "false",
        "QUANTRAC_AUTH_ENABLED": "false",
    }
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app",
           "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def load(urls: list[str], seconds: float, clients: int) -> dict[str, float]:
    """Hit ``urls`` round-robin from ``clients`` threads for ``seconds``; req/s and latencies."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int) -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=30) as client:
            i = offset
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = client.get(urls[i % len(urls)])
                mine.append(time.perf_counter() - t0)
                bad += r.status_code != 200
                i += clients
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    ms = sorted(v * 1000 for v in latencies)
    return {
        "req_s": len(ms) / elapsed,
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[int(len(ms) * 0.99) - 1],
        "errors": errors,
    }


def tile_urls(base: str) -> list[str]:
    """Distinct tiles z9..12 over the province."""
    import math

    urls = []
    for z in (9, 10, 11, 12):

        def tx(lon: float, z: int = z) -> int:
            return int((lon + 180) / 360 * 2**z)

        def ty(lat: float, z: int = z) -> int:
            r = math.radians(lat)
            return int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * 2**z)

        for x in range(tx(106.1), tx(107.35) + 1):
            for y in range(ty(22.45), ty(21.35) + 1):
                urls.append(f"{base}/tiles/bench-landslide/{z}/{x}/{y}.png")
    return urls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp) / "data",
            scheduler_enabled=False,
            auth_enabled=False,
        )
        engine = prepare_database(settings)
        import_stations(engine, DEMO / "stations.yaml")
        import_points(engine, DEMO / "points.csv")
        with engine.begin() as conn:
            upsert_sites(conn, _extra_points(10_000 - 163), 0)
        load_province_outline(engine, 0)
        import_zones(
            engine,
            landslide_raster(Path(tmp) / "ls.tif", pixel_m=100),
            hazard="landslide",
            data_dir=settings.data_dir,
            now=0,
            source_id="bench-landslide",
            synthetic=True,
        )
        engine.dispose()
        with server_process(settings) as base:
            cases = {
                "stations GeoJSON /api/stations": [f"{base}/api/stations"],
                "stations OGC items": [f"{base}/ogc/collections/stations/items?limit=100"],
                "10k points bbox+medium, limit=100": [
                    f"{base}/ogc/collections/monitoring-points/items?"
                    f"bbox={106.2 + d / 100},21.5,{106.8 + d / 100},22.1&medium=groundwater"
                    for d in range(20)
                ],
            }
            tiles = tile_urls(base)
            print("| case | clients | req/s | p50 ms | p99 ms | errors |")
            print("|---|---|---|---|---|---|")
            for name, urls in cases.items():
                httpx.get(urls[0])  # build the snapshot once
                for clients in (10, 50):
                    r = load(urls, args.seconds, clients)
                    print(
                        f"| {name} | {clients} | {r['req_s']:.0f} | {r['p50_ms']:.1f} | "
                        f"{r['p99_ms']:.1f} | {r['errors']} |"
                    )
            r = load(tiles, args.seconds, 10)
            print(
                f"| {len(tiles)} distinct tiles z9-12, first pass (cold + cache) | 10 | "
                f"{r['req_s']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
            )


if __name__ == "__main__":
    main()
