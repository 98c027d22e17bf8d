"""Readings API and compliance summary over long windows, under concurrency (issue 20, item 4).

One air station (LS_SONNMT_KK01, 9 parameters) with a year of 5-minute readings (946,080
rows from 105,120 files, one per 5 minutes, every 48th with format notes), stored as a
department's polls store them: each 5 minutes its file among 12 other demo stations' files
(``--neighbours``), so its rows lie spread over the table as in a real database (hourly means
by one ``INSERT … SELECT … GROUP BY``). Cases, each for windows of 1 day, 30 days and 1 year
ending at the data's last reading:

- ``raw``: ``/api/stations/{id}/readings?interval=raw`` (a window longer than one page gives the
  first page and a ``next`` link; no 1-year case: raw windows are bounded at 31 days);
- ``hour`` and ``day``: means from ``hourly_means``;
- ``compliance``: ``/api/stations/{id}/compliance``.

Every request sends ``Accept-Encoding: gzip`` as browsers do. Repeated requests are answered
from the per-process cache of finished answers while the data is unchanged; ``--uncached``
makes every request distinct (an unused ``nonce`` parameter) so each answer is built.
Load: wrk (``bench/wrk_rotate.lua``, 2 threads) at 1, 10 and 50 clients; server
``quantrac serve --no-scheduler --workers 2`` as in bench/bench_layers.py, one per ``--code``
checkout (default: this one), each on the same rows in a SQLite database built by its own
migrations, so a change of schema compares too (``--pg``: all on one database); wrk runs
alternate between them, so a before/after comparison is side by side (``git archive main |
tar -x -C /tmp/before`` then ``--code /tmp/before --code .``). Also prints each answer's size,
the single-request latency (median of 5, httpx) and each server's CPU ms per request (its
processes' user + system time over a wrk run ÷ the run's requests: the machine's other work
moves it far less than req/s); with ``--pg``, also PostgreSQL's CPU ms per request, from the
server processes of that server's connections (named by ``application_name``; read from
/proc, so the database must run on this machine).

Usage: .venv/bin/python bench/bench_readings.py [--quick] [--seconds 4] [--runs 3]
       [--clients 1,10,50] [--cases raw,hour,day,compliance] [--code DIR ...] [--pg URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: a child of _databases imports its checkout

from bench.bench_ingest import backend_cpu, server_seconds  # noqa: E402
from bench.bench_layers import median_of, server, wrk  # noqa: E402
from service.bootstrap import import_stations, prepare_database  # noqa: E402
from service.settings import Settings  # noqa: E402
from stations.registry import load_stations  # noqa: E402
from stations.store.readings import FILE_COLUMNS, refresh_hourly  # noqa: E402
from stations.timeutil import VN_OFFSET  # noqa: E402
from tests.layers.helpers import free_port  # noqa: E402

DEMO = ROOT / "stations" / "demo" / "stations.yaml"
STATION = "LS_SONNMT_KK01"
PARAMS = ["PM2.5", "PM10", "TSP", "SO2", "NO2", "CO", "O3", "Temp", "RH"]
END = int(datetime(2026, 11, 1, tzinfo=VN_OFFSET).timestamp())
COLUMNS = "station_id, parameter, observed_at, value, unit, status, qc_flags, file_id"
GZIP = ("Accept-Encoding: gzip",)
SIZES = {"1d": 1, "30d": 30, "1y": 365}
NOTE = "CO mg/m³→µg/m³ ×1000"  # a converted unit, noted as stations/ingest/units.py notes it


def build(settings: Settings, days: int, neighbours: int = 12) -> None:
    """Migrate, import the demo stations, bulk-load ``days`` of 5-minute readings, each from
    the station's file of its 5 minutes as ingest records them (one ``ingested_files`` row per
    file, every 48th with format notes, as a converted unit leaves), in the order a live
    department's polls write them: each 5 minutes, the station's file among ``neighbours``
    other stations' files (the same parameters, no file records), so a station's day lies
    spread over the table as it does in a department's database, not in one run."""
    engine = prepare_database(settings)
    import_stations(engine, DEMO)
    start = END - days * 86400
    stamps = range(start, END, 300)
    files = [
        (k + 1, f"{k:064x}", f"{STATION}_{t}.txt", "bench", STATION, t + 60, 900, "ok", None,
         len(PARAMS), "[]", None, NOTE if k % 48 == 0 else None)
        for k, t in enumerate(stamps)
    ]  # fmt: skip
    polled = [STATION, *_neighbours(neighbours)]

    def day_rows(first: int) -> list[tuple[object, ...]]:
        return [
            (station, p, t, round(20 + 10 * ((t // 300 + i * 7) % 37) / 37, 2), "µg/m³", "00", 0,
             (t - start) // 300 + 1 if station == STATION else None)
            for t in range(first, min(first + 86400, END), 300)
            for station in polled
            for i, p in enumerate(PARAMS)
        ]  # fmt: skip

    hours = [(STATION, p, h) for p in PARAMS for h in range(start, END, 3600)]
    with engine.begin() as conn:
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if conn.dialect.name == "postgresql":
            with cur.copy(f"COPY ingested_files (id, {FILE_COLUMNS}) FROM STDIN") as copy:
                for row in files:
                    copy.write_row(row)
            cur.execute("SELECT setval(pg_get_serial_sequence('ingested_files', 'id'), %s)",
                        [len(files)])  # fmt: skip
            with cur.copy(f"COPY readings ({COLUMNS}) FROM STDIN") as copy:
                for first in range(start, END, 86400):
                    for row in day_rows(first):
                        copy.write_row(row)
        else:
            marks = ",".join("?" * 13)
            cur.executemany(f"INSERT INTO ingested_files (id, {FILE_COLUMNS}) VALUES ({marks})",
                            files)  # fmt: skip
            for first in range(start, END, 86400):
                cur.executemany(
                    f"INSERT INTO readings ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?)", day_rows(first)
                )
        refresh_hourly(conn, hours)
    engine.dispose()


def _neighbours(n: int) -> list[str]:
    """The first ``n`` other demo stations."""
    return [s.id for s in load_stations(DEMO) if s.id != STATION][:n]


def paths(days_by_size: dict[str, int]) -> dict[tuple[str, str], str]:
    """``{(case, size): path}``."""
    out = {}
    for size, days in days_by_size.items():
        window = f"start={quote(_iso(END - days * 86400))}&end={quote(_iso(END))}"
        for interval in ("raw", "hour", "day"):
            if interval == "raw" and days > 31:
                continue  # the contract's 31-day bound for raw (a longer window is a 400)
            out[(interval, size)] = f"/api/stations/{STATION}/readings?interval={interval}&{window}"
        out[("compliance", size)] = f"/api/stations/{STATION}/compliance?{window}"
    return out


def _app_name(label: str) -> str:
    """The ``application_name`` of a server's PostgreSQL connections, by which its share of
    PostgreSQL's CPU is found."""
    return f"bench-{label}"


def _rotation(path: str, uncached: bool, run: int = 0) -> list[str]:
    """The paths wrk cycles over: the one path (repeat requests, as officers opening the same
    chart), or the path with a distinct unused parameter per request (each answer built anew).
    ``run`` numbers the wrk run: every run gets nonces of its own, since a server keeps the
    answers of an earlier run (64 MB per worker holds thousands of 1-day answers)."""
    return [f"{path}&nonce={run}-{n}" for n in range(200_000)] if uncached else [path]


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) so far of process ``pid`` and its children (the server and
    its workers): per request, a figure the other work on a shared machine hardly moves."""
    pids, total = [pid], 0
    while pids:
        p = pids.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        pids += map(int, kids)
    return total / os.sysconf("SC_CLK_TCK")


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, VN_OFFSET).isoformat()


def single(base: str, path: str, uncached: bool = False) -> dict[str, float]:
    """Status, gzip and plain sizes, and the median of 5 sequential latencies (ms);
    ``uncached``: each of the 5 requests distinct (else all but the first are cache hits)."""
    with httpx.Client(base_url=base, timeout=120) as client:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        times = []
        for n in range(5):
            t = time.perf_counter()
            asked = f"{path}&nonce=alone-{n}" if uncached else path
            r = client.get(asked, headers={"Accept-Encoding": "gzip"})
            r.read()
            times.append((time.perf_counter() - t) * 1000)
        wire = int(r.headers.get("content-length") or len(r.content))
    return {
        "status": plain.status_code,
        "plain_kb": len(plain.content) / 1024,
        "wire_kb": wire / 1024,
        "alone_ms": statistics.median(times),
    }


# CPU time per request, in a child process importing the checkout under test (robust to the
# machine's load: the other helpers' work does not count in this process's CPU time).
_CPU_CHILD = """
import json, sys, time
from pathlib import Path
from fastapi.testclient import TestClient
try:
    from service.web.app import create_app
except ImportError:  # a checkout from before service/ was grouped into rooms
    from service.app import create_app
from service.settings import Settings
settings = Settings(_env_file=None, data_dir=Path(sys.argv[1]), scheduler_enabled=False,
                    auth_enabled=False, **({"database_url": sys.argv[2]} if sys.argv[2] else {}))
out = {}
distinct = sys.argv[3] == "1"  # a nonce per request: every answer built, none from the cache
with TestClient(create_app(settings, scheduler=False)) as client:
    for path in json.loads(sys.stdin.read()):
        client.get(path, headers={"Accept-Encoding": "gzip"})  # warm
        n, t = 0, time.process_time()
        while n < 3 or (n < 50 and time.process_time() - t < 2):
            client.get(f"{path}&nonce={n}" if distinct else path,
                       headers={"Accept-Encoding": "gzip"})
            n += 1
        out[path] = (time.process_time() - t) / n * 1000
print(json.dumps(out))
"""


def cpu_ms(
    code: Path, data_dir: Path, pg: str | None, paths: list[str], distinct: bool = False
) -> dict[str, float]:
    """``{path: CPU ms per request}`` (client and server in one process, so an upper bound);
    ``distinct``: every request with its own nonce, so no answer comes from the cache."""
    env = {**os.environ, "PYTHONPATH": str(code.resolve())}
    done = subprocess.run(
        [sys.executable, "-c", _CPU_CHILD, str(data_dir), pg or "", str(int(distinct))],
        input=json.dumps(paths), capture_output=True, text=True, env=env, check=True, cwd=code,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _databases(
    codes: list[Path], settings: Settings, days: int, neighbours: int, own: bool
) -> dict[Path, Path]:
    """``{code: data dir}``. ``own``: each checkout builds its own SQLite database with its own
    migrations (a schema change compared side by side; this file's rows and order, imported
    under that checkout's packages), else one database built here serves them all."""
    if not own:
        build(settings, days, neighbours)
        return dict.fromkeys(codes, settings.data_dir)
    out = {}
    for k, code in enumerate(codes):
        out[code] = data_dir = settings.data_dir.with_name(f"data{k}")
        env = {**os.environ, "PYTHONPATH": str(code.resolve())}
        subprocess.run(
            [sys.executable, __file__, "--build-into", str(data_dir), str(days), str(neighbours)],
            env=env, check=True, cwd=code,
        )  # fmt: skip
    return out


def main() -> None:
    if sys.argv[1:2] == ["--build-into"]:  # a child of _databases, under another checkout
        data_dir, days, neighbours = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        here = Settings(_env_file=None, data_dir=data_dir, scheduler_enabled=False)  # type: ignore[call-arg]
        build(here, days, neighbours)
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 s runs, 1 run, 30 days of data")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--runs", type=int, default=1, help="wrk runs per case (median)")
    parser.add_argument("--clients", default="1,10,50")
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        help="a checkout a server imports (repeat to compare, e.g. an export of main; "
        "default: this checkout)",
    )
    parser.add_argument("--pg", help="PostgreSQL URL instead of a SQLite file")
    parser.add_argument("--cases", default="raw,hour,day,compliance")
    parser.add_argument("--sizes", help="windows to measure, e.g. 1d,1y (default: all)")
    parser.add_argument("--cpu", action="store_true", help="CPU ms per request, no wrk")
    parser.add_argument(
        "--neighbours",
        type=int,
        default=12,
        help="other demo stations whose files are interleaved with the station's (0: alone)",
    )
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="every request distinct (a nonce parameter), so no finished answer is reused",
    )
    args = parser.parse_args()
    sizes = {"1d": 1, "30d": 30} if args.quick else dict(SIZES)
    if args.sizes:
        sizes = {k: SIZES[k] for k in args.sizes.split(",")}
    seconds = 2.0 if args.quick else args.seconds
    clients = [int(c) for c in args.clients.split(",")]
    cases = args.cases.split(",")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=tmp / "data",
            scheduler_enabled=False,
            auth_enabled=False,
            **({"database_url": args.pg} if args.pg else {}),
        )
        t = time.perf_counter()
        days = max(sizes.values())
        own = bool(args.code) and not args.pg
        data_dirs = _databases(args.code or [ROOT], settings, days, args.neighbours, own)
        print(f"setup: {days} days x {len(PARAMS)} parameters of 5-minute readings, "
              f"{args.neighbours} neighbouring stations' files interleaved: built in "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip
        if args.cpu:
            todo = {k: v for k, v in paths(sizes).items() if k[0] in cases}
            codes = args.code or [ROOT]
            print("| case | window | " + " | ".join(f"{c.resolve().name} CPU ms" for c in codes)
                  + " |\n|---|---|" + "---|" * len(codes))  # fmt: skip
            found = [
                cpu_ms(code, data_dirs[code], args.pg, list(todo.values()), args.uncached)
                for code in codes
            ]
            for (case, size), path in todo.items():
                print(f"| {case} | {size} | " + " | ".join(f"{f[path]:.1f}" for f in found) + " |")
            return
        bases, pids = {}, {}
        # PostgreSQL's CPU per answer, per server: each server's connections carry its name
        admin = create_engine(args.pg) if args.pg else None
        if admin is not None:
            stack.callback(admin.dispose)
        for k, code in enumerate(args.code or [ROOT]):
            port = free_port()
            label = code.resolve().name if args.code else "this"
            bases[label] = base = f"http://127.0.0.1:{port}"
            env_db = {}
            if args.pg:
                named = make_url(args.pg).update_query_dict({"application_name": _app_name(label)})
                env_db = {"QUANTRAC_DATABASE_URL": named.render_as_string(hide_password=False)}
            cmd = [str(Path(sys.executable).with_name("quantrac")), "serve", "--no-scheduler",
                   "--workers", "2", "--port", str(port)]  # fmt: skip
            env = {
                "PYTHONPATH": str(code.resolve()),
                "QUANTRAC_DATA_DIR": str(data_dirs[code]),
                "QUANTRAC_AUTH_ENABLED": "false",
                "QUANTRAC_ACCESS_LOG": "false",
                **env_db,
            }
            log = tmp / f"server{k}.log"
            proc = stack.enter_context(server(cmd, env, f"{base}/healthz", log, wait_s=600))
            pids[base] = proc.pid
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
        pg_cpu = " (service + PostgreSQL)" if admin is not None else ""
        print("| case | window | code | status | plain KB | gzip KB | alone ms | "
              + " | ".join(f"{c} cl. req/s · p50 · p99 ms · server CPU ms/req{pg_cpu}"
                           for c in clients)
              + " |")  # fmt: skip
        print("|---|---|---|---|---|---|---|" + "---|" * len(clients))
        for (case, size), path in paths(sizes).items():
            if case not in cases:
                continue
            alone = {label: single(base, path, args.uncached) for label, base in bases.items()}
            # runs interleaved across the servers, so load changes touch them alike
            runs: dict[tuple[str, int], list[dict[str, float]]] = {}
            for c in clients:
                for run in range(args.runs):
                    for label, base in bases.items():
                        rotation = _rotation(path, args.uncached, run * 1000 + c)
                        cpu = tree_cpu_s(pids[base])
                        db0 = backend_cpu(admin, _app_name(label)) if admin is not None else {}
                        r = wrk(base, rotation, seconds, c, tmp,
                                headers=GZIP, distinct=args.uncached)  # fmt: skip
                        served = max(r["req_s"] * seconds, 1)  # wrk's count over -d seconds
                        r["cpu_ms"] = (tree_cpu_s(pids[base]) - cpu) * 1000 / served
                        if admin is not None:
                            db1 = backend_cpu(admin, _app_name(label))
                            r["db_ms"] = server_seconds(db0, db1) * 1000 / served
                        runs.setdefault((label, c), []).append(r)
            for label, one in alone.items():
                cells = []
                for c in clients:
                    r = median_of(runs[(label, c)])
                    r["cpu_ms"] = statistics.median(x["cpu_ms"] for x in runs[(label, c)])
                    bad = f" ({r['errors']:.0f} not 200)" if r["errors"] else ""
                    db = ""
                    if admin is not None:
                        db = f" + {statistics.median(x['db_ms'] for x in runs[(label, c)]):.1f}"
                    cells.append(f"{r['req_s']:,.0f} · {r['p50_ms']:.0f} · {r['p99_ms']:.0f} · "
                                 f"{r['cpu_ms']:.1f}{db}{bad}")  # fmt: skip
                print(f"| {case} | {size} | {label} | {one['status']} | {one['plain_kb']:,.0f} | "
                      f"{one['wire_kb']:,.0f} | {one['alone_ms']:.1f} | " + " | ".join(cells)
                      + " |", flush=True)  # fmt: skip
        load = os.getloadavg()
        print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
