"""Benchmark of the staff map: first meaningful paint and data payload, in headless Chromium.

Usage: ``python bench/bench_map.py [--runs 5]``. Builds the demo (SQLite, demo sites, zones,
rasters, laboratory results, 1 day of history) in a temporary folder, serves it on loopback and
loads ``/map`` in Debian's Chromium. "First meaningful paint" is the time from navigation start
to the moment the 13 station markers are on the map (``performance.mark("qt-stations")``);
"ready" is when every layer is drawn. The data payload is the bytes transferred (and decoded)
for every JSON/GeoJSON request of the page; the assets (Leaflet, our script) are listed apart.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
MEASURE = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const mark = (n) => (performance.getEntriesByName(n)[0] || {}).startTime;
  const res = performance.getEntriesByType("resource");
  const data = res.filter((r) => r.initiatorType === "fetch");
  const assets = res.filter((r) => r.initiatorType !== "fetch");
  const sum = (list, key) => list.reduce((a, r) => a + (r[key] || 0), 0);
  return {
    stations_ms: mark("qt-stations"), ready_ms: mark("qt-ready"),
    html_bytes: nav.encodedBodySize,
    data_transfer: sum(data, "encodedBodySize"), data_decoded: sum(data, "decodedBodySize"),
    asset_transfer: sum(assets, "encodedBodySize"),
    data: data.map((r) => [new URL(r.name).pathname, r.encodedBodySize, r.decodedBodySize]),
  };
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_demo(data_dir: Path) -> str:
    """Demo data and a uvicorn server (scheduler off); returns the base URL."""
    import uvicorn
    from rich.console import Console

    from service.bootstrap import import_points, import_stations, prepare_database
    from service.demo import DEMO_POINTS, DEMO_STATIONS
    from service.settings import Settings
    from service.web.app import create_app

    settings = Settings(
        _env_file=None, data_dir=data_dir, scheduler_enabled=False, auth_enabled=False
    )
    engine = prepare_database(settings)
    import_stations(engine, DEMO_STATIONS)
    import_points(engine, DEMO_POINTS)
    console = Console(stderr=True, quiet=True)
    import service.demo.layers
    import service.demo.programme
    from service.demo.ingest import backfill_history
    from service.demo.simulator.model import StationModel
    from stations.store.sites import list_sites
    from stations.timeutil import now_epoch

    service.demo.layers.run(settings, engine, console, 1)
    service.demo.programme.run(settings, engine, console, 1)
    with engine.connect() as conn:
        models = [
            StationModel(s.id, s.kind, s.parameters) for s in list_sites(conn, site_type="station")
        ]
    backfill_history(engine, settings, models, 1, now_epoch())
    engine.dispose()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings, scheduler=False), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = serve_demo(Path(tmp))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            results = []
            for run in range(args.runs + 1):  # run 0 warms the server's caches
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                page = context.new_page()
                page.goto(base + "/map")
                page.wait_for_selector("body[data-qt-ready]", state="attached", timeout=30_000)
                m = page.evaluate(MEASURE)
                context.close()
                if run:
                    results.append(m)
            browser.close()
    paint = [r["stations_ms"] for r in results]
    ready = [r["ready_ms"] for r in results]
    last = results[-1]
    print(f"runs: {len(results)} (cold browser cache each, warm server)")
    print(
        f"first meaningful paint (13 stations drawn): median {statistics.median(paint):.0f} ms,"
        f" max {max(paint):.0f} ms"
    )
    print(f"all layers ready: median {statistics.median(ready):.0f} ms, max {max(ready):.0f} ms")
    print(f"HTML page: {last['html_bytes'] / 1024:.1f} KB")
    print(
        f"data payload: {last['data_transfer'] / 1024:.1f} KB transferred, "
        f"{last['data_decoded'] / 1024:.1f} KB decoded"
    )
    print(f"static assets (cached a day): {last['asset_transfer'] / 1024:.1f} KB transferred")
    for path, enc, dec in sorted(last["data"], key=lambda d: -d[2]):
        print(f"  {path:<40} {enc / 1024:7.1f} KB  ({dec / 1024:.1f} KB decoded)")


if __name__ == "__main__":
    main()
