"""Load benchmark (issue 9): map clients and a flood of station files at the same time.

Usage: ``python bench/bench_load.py [--clients 100] [--duration 120] [--stations 2000]
[--period 10] [--poll 1] [--window 60] [--db-url URL]``. Loopback only, bounded in time.
The 5-minute PostGIS run of issue 20: ``--duration 300 --db-url postgresql+psycopg://…``.

- The service is ``quantrac serve`` in its own process (scheduler on, auth off) on a temporary
  data folder: demo stations, points and zones, plus ``--stations`` simulated air stations
  registered from a generated registry file, and one folder source polled every ``--poll`` s.
- ``--stations`` dataloggers each write one Circular 10/2021 file per ``--period`` seconds (a
  5-minute cadence compressed; 2,000 / 10 s = 200 files/s), spread evenly over the period,
  each written atomically (``.tmp`` then rename) into the polled folder.
- ``--clients`` map clients each load what the map page loads (``/map``, ``/api/stations``,
  ``/map/data/points``, ``/map/data/communes``, ``/api/layers``, ``/api/alerts?state=open``, four
  raster tiles), then pause 0-2 s, and again, until ``--duration`` ends.

Reported: requests, errors (any non-2xx or transport error), latency p50/p99 per endpoint and
overall, ingest lag per file (file renamed into the folder -> its ``ingested_files`` row seen
by a monitor polling the database every 0.25 s), files not ingested at the end and how long
the backlog took to drain, ingest lag p50/p99 per ``--window`` of writing (the trend), where
the worker's polls spent their time (its ``poll`` log lines: storing, each after-ingest step,
listing/fetching/moving at the source), CPU of the service processes and of this process, and
the load average before, at the end of the load and after the drain.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml
from sqlalchemy import create_engine, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.demo.simulator.model import Scenario, StationModel, station_file  # noqa: E402
from stations.store.schema import ingested_files  # noqa: E402

AIR = dict.fromkeys(("PM2.5", "PM10", "SO2", "NO2", "CO"), "µg/Nm³")  # the catalogue units
PAGE = [
    "/map",
    "/api/stations",
    "/map/data/points",
    "/map/data/communes",
    "/api/layers",
    "/api/alerts?state=open",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def registry(path: Path, n: int) -> list[StationModel]:
    """A registry file of ``n`` simulated air stations spread over the province."""
    rng = random.Random(2000)
    rows = [
        {
            "id": f"LS_BENCH{i // 100:02d}_KK{i % 100:02d}",
            "name": f"Trạm mô phỏng {i + 1}",
            "kind": "air",
            "lon": round(106.2 + rng.random() * 1.2, 5),
            "lat": round(21.3 + rng.random() * 1.0, 5),
            "facility": "Trạm mô phỏng (benchmark)",
            "commune": "Lương Văn Tri",
            "district_former": "Thành phố Lạng Sơn",
            "parameters": list(AIR),
            "synthetic": True,
        }
        for i in range(n)
    ]
    path.write_text(yaml.safe_dump({"stations": rows}, allow_unicode=True), encoding="utf-8")
    return [StationModel(r["id"], "air", AIR) for r in rows]


def prepare(data_dir: Path, stations: int, db_url: str | None) -> tuple[list[StationModel], str]:
    """Demo sites and layers plus the simulated stations; returns models and the DB URL."""
    from rich.console import Console

    import service.demo.layers
    from service.bootstrap import import_points, import_stations, prepare_database
    from service.demo import DEMO_POINTS, DEMO_STATIONS
    from service.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=db_url,
        scheduler_enabled=False,
        auth_enabled=False,
    )
    engine = prepare_database(settings)
    import_stations(engine, DEMO_STATIONS)
    import_points(engine, DEMO_POINTS)
    service.demo.layers.run(settings, engine, Console(stderr=True, quiet=True), 1)
    models = registry(data_dir / "bench-stations.yaml", stations)
    import_stations(engine, data_dir / "bench-stations.yaml")
    engine.dispose()
    return models, settings.db_url


class Writer(threading.Thread):
    """The dataloggers: every station one file per period, spread evenly, atomic rename."""

    def __init__(self, drop: Path, models: list[StationModel], period: float, t0: int) -> None:
        super().__init__(name="dataloggers", daemon=True)
        self.drop, self.models, self.period, self.t0 = drop, models, period, t0
        self.written: dict[str, float] = {}  # file name -> monotonic time it appeared
        self.stop = threading.Event()
        self.behind = 0.0  # worst lateness of the writer against its schedule, s

    def run(self) -> None:
        start = time.monotonic()
        step = self.period / len(self.models)
        k = 0
        scenario = Scenario()
        while not self.stop.is_set():
            for i, model in enumerate(self.models):
                due = start + k * self.period + i * step
                delay = due - time.monotonic()
                if delay > 0:
                    if self.stop.wait(delay):
                        return
                else:
                    self.behind = max(self.behind, -delay)
                f = station_file(model, self.t0 + k * 300, scenario)
                assert f is not None
                name, data = f
                folder = self.drop / model.station_id
                folder.mkdir(exist_ok=True)
                tmp = folder / (name + ".tmp")
                tmp.write_bytes(data)
                tmp.replace(folder / name)
                self.written[name] = time.monotonic()
            k += 1


class Monitor(threading.Thread):
    """Watches ``ingested_files`` for new rows: when each file became visible."""

    def __init__(self, db_url: str) -> None:
        super().__init__(name="monitor", daemon=True)
        self.engine = create_engine(db_url)
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.last_id = 0

    def run(self) -> None:
        while not self.stop.wait(0.25):
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(ingested_files.c.id, ingested_files.c.name).where(
                        ingested_files.c.id > self.last_id
                    )
                ).all()
            now = time.monotonic()
            for row_id, name in rows:
                self.seen.setdefault(name, now)
                self.last_id = max(self.last_id, row_id)


async def client(
    http: httpx.AsyncClient,
    tiles: list[str],
    until: float,
    stats: dict[str, list[float]],
    errors: list[str],
    rng: random.Random,
) -> None:
    """One map user: load the page's data, pause, again."""
    while time.monotonic() < until:
        for url in PAGE + rng.sample(tiles, min(4, len(tiles))):
            started = time.perf_counter()
            try:
                r = await http.get(url)
                ok = r.is_success
            except httpx.HTTPError as exc:
                ok, r = False, exc  # type: ignore[assignment]
            key = url.split("?")[0] if not url.startswith("/tiles/") else "/tiles/…"
            stats.setdefault(key, []).append(time.perf_counter() - started)
            if not ok:
                errors.append(f"{url}: {getattr(r, 'status_code', r)!r}")
            if time.monotonic() >= until:
                return
        await asyncio.sleep(rng.uniform(0, 2))


async def load(base: str, clients: int, duration: float) -> tuple[dict, list[str]]:
    """``clients`` concurrent map users for ``duration`` seconds."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, timeout=60, limits=limits, headers={"Accept-Encoding": "gzip"}
    ) as http:
        layers = (await http.get("/api/layers")).json()
        tiles = _tile_urls(layers)
        stats: dict[str, list[float]] = {}
        errors: list[str] = []
        until = time.monotonic() + duration
        rng = random.Random(100)
        await asyncio.gather(
            *(
                client(http, tiles, until, stats, errors, random.Random(rng.random()))
                for _ in range(clients)
            )
        )
    return stats, errors


def _tile_urls(layers: list[dict]) -> list[str]:
    """Tiles around Lạng Sơn (z 9-11) of each raster layer the service lists."""
    templates = [entry["tiles"] for entry in layers if entry.get("tiles")]
    assert templates, "no raster layer: the demo zones were not loaded"
    out = []
    for template in templates:
        path = "/tiles/" + template.split("/tiles/", 1)[1]
        for z, x0, y0 in ((9, 407, 223), (10, 815, 447), (11, 1631, 895)):
            out += [path.format(z=z, x=x0 + dx, y=y0 + dy) for dx in (0, 1) for dy in (0, 1)]
    return out


def _cpu_seconds(*pids: int) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=float, default=120)
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--period", type=float, default=10)
    parser.add_argument("--poll", type=float, default=1)
    parser.add_argument("--drain", type=float, default=60, help="max wait for the backlog, s")
    parser.add_argument("--window", type=float, default=60, help="lag trend window, s")
    parser.add_argument("--keep-log", type=Path, default=None, help="copy the service log here")
    parser.add_argument("--db-url", default=None, help="default: SQLite in the temp folder")
    parser.add_argument(
        "--split",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="HTTP and scheduler in two processes (serve --no-scheduler + worker)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    print(f"load average before: {load_before}  cores: {os.cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="qt-bench-load-", ignore_cleanup_errors=True) as tmp:
        data_dir, drop = Path(tmp) / "data", Path(tmp) / "drop"
        drop.mkdir()
        t = time.monotonic()
        models, db_url = prepare(data_dir, args.stations, args.db_url)
        print(f"prepared {len(models)} simulated + 13 demo stations in {time.monotonic() - t:.0f}s")
        sources = Path(tmp) / "sources.yaml"
        sources.write_text(
            yaml.safe_dump(
                {
                    "defaults": {"interval_seconds": args.poll, "retries": 0},
                    "sources": [{"id": "bench", "type": "folder", "path": str(drop)}],
                }
            ),
            encoding="utf-8",
        )
        port = _free_port()
        env = {
            **os.environ,
            "QUANTRAC_DATA_DIR": str(data_dir),
            "QUANTRAC_DATABASE_URL": db_url,
            "QUANTRAC_SOURCES_FILE": str(sources),
            "QUANTRAC_AUTH_ENABLED": "false",
            "QUANTRAC_PORT": str(port),
        }
        log = (Path(tmp) / "serve.log").open("wb")
        quantrac = str(Path(sys.executable).with_name("quantrac"))
        # --split: `quantrac serve --no-scheduler` + `quantrac worker` (the documented set-up
        # for a busy installation); else one `quantrac serve` doing both.
        server = subprocess.Popen(
            [quantrac, "serve", *(["--no-scheduler"] if args.split else [])],
            env=env,
            cwd=tmp,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = (
            subprocess.Popen(
                [quantrac, "worker"], env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT
            )
            if args.split
            else None
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            monitor = Monitor(db_url)
            monitor.start()
            now = int(time.time())
            periods = int(args.duration / args.period) + 1
            t0 = now - now % 300 - periods * 300 - 600  # the newest slot stays in the past
            writer = Writer(drop, models, args.period, t0)
            pids = [p.pid for p in (server, worker) if p is not None]
            cpu0, wall0, self0 = _cpu_seconds(*pids), time.monotonic(), time.process_time()
            writer.start()
            stats, errors = asyncio.run(load(base, args.clients, args.duration))
            writer.stop.set()
            writer.join()
            wall = time.monotonic() - wall0
            cpu = _cpu_seconds(*pids) - cpu0
            mine = time.process_time() - self0
            load_during = os.getloadavg()
            drain_start = time.monotonic()
            while time.monotonic() - drain_start < args.drain:
                if len(monitor.seen) >= len(writer.written):
                    break
                time.sleep(0.5)
            drained = time.monotonic() - drain_start
            monitor.stop.set()
            monitor.join()
        finally:
            for thread in ("writer", "monitor"):
                if thread in locals():
                    locals()[thread].stop.set()
            for process in (server, worker):
                if process is not None:
                    process.terminate()
            for process in (server, worker):
                if process is not None:
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:  # a worker in the middle of a long poll
                        process.kill()
                        process.wait()
            log.close()
        _report(args, stats, errors, writer, monitor, wall, cpu, mine, load_during, drained)
        _stages(Path(tmp) / "serve.log")
        if args.keep_log is not None:
            shutil.copyfile(Path(tmp) / "serve.log", args.keep_log)
        print(f"load average: before {load_before}, after the drain {os.getloadavg()}")


def _report(args, stats, errors, writer, monitor, wall, cpu, mine, load_during, drained) -> None:  # type: ignore[no-untyped-def]
    everything = [v for vals in stats.values() for v in vals]
    print(
        f"\n{args.clients} clients, {wall:.0f} s; {len(everything)} requests "
        f"({len(everything) / wall:.0f}/s); errors: {len(errors)}"
    )
    for e in errors[:10]:
        print("  error:", e)
    print("| endpoint | requests | p50 ms | p99 ms |\n|---|---|---|---|")
    for key in sorted(stats):
        vals = stats[key]
        print(
            f"| `{key}` | {len(vals)} | {_pct(vals, 0.5) * 1000:.0f} | "
            f"{_pct(vals, 0.99) * 1000:.0f} |"
        )
    print(
        f"| all | {len(everything)} | {_pct(everything, 0.5) * 1000:.0f} | "
        f"{_pct(everything, 0.99) * 1000:.0f} |"
    )
    written = len(writer.written)
    lags = [monitor.seen[n] - w for n, w in writer.written.items() if n in monitor.seen]
    missing = written - len(lags)
    print(
        f"\nfiles written: {written} ({written / wall:.0f}/s; target "
        f"{args.stations / args.period:.0f}/s; writer late by up to {writer.behind:.1f} s)"
    )
    print(f"ingested within the run + {drained:.0f} s drain: {len(lags)}; not ingested: {missing}")
    if lags:
        print(
            f"ingest lag s: p50 {_pct(lags, 0.5):.1f}, p99 {_pct(lags, 0.99):.1f}, "
            f"max {max(lags):.1f} (target < 60)"
        )
        # Lag by when the file was written: a transient at start-up or a backlog that grows.
        t0 = min(writer.written.values())
        w = args.window
        windows: dict[int, list[float]] = {}
        for n, at in writer.written.items():
            if n in monitor.seen:
                windows.setdefault(int((at - t0) // w), []).append(monitor.seen[n] - at)
        print(f"ingest lag by {w:.0f}-s window of writing:")
        print("| window | files | p50 s | p99 s | max s |\n|---|---|---|---|---|")
        for k, v in sorted(windows.items()):
            print(
                f"| {k * w:.0f}-{k * w + w:.0f} s | {len(v)} | {_pct(v, 0.5):.1f} | "
                f"{_pct(v, 0.99):.1f} | {max(v):.1f} |"
            )
    print(
        f"CPU: service {cpu:.0f} s = {cpu / wall * 100:.0f} % of one core; "
        f"bench process {mine:.0f} s = {mine / wall * 100:.0f} %; "
        f"load average at the end of the load: {load_during}"
    )


_POLL = re.compile(r"poll listed=(\d+) fetched=(\d+) .*?total=([\d.]+)s (.*)$")


def _stages(log_path: Path) -> None:
    """Sum the worker's per-poll stage times (service/jobs/poll_timing.py log lines)."""
    polls = files = 0
    total = 0.0
    stages: dict[str, float] = {}
    biggest = 0
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _POLL.search(line)
        if m is None:
            continue
        polls += 1
        files += int(m.group(2))
        biggest = max(biggest, int(m.group(1)))
        total += float(m.group(3))
        for name, sec in re.findall(r"([\w-]+)=([\d.]+)s", m.group(4)):
            stages[name] = stages.get(name, 0.0) + float(sec)
    if not polls:
        print("no poll timing lines in the worker log")
        return
    print(
        f"worker: {polls} polls, {files} files, largest listing {biggest}; "
        f"{total:.0f} s polling: "
        + ", ".join(f"{k} {v:.0f} s ({v / total * 100:.0f} %)" for k, v in stages.items())
    )


if __name__ == "__main__":
    main()
