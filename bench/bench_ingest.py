"""Ingest benchmark: end-to-end (parse + QC + store + hourly means + latest) vs raw executemany.

Usage: ``taskset -c 0 python bench/bench_ingest.py [--days 3] [--repeats 5] [--pg URL]
[--pg-only] [--year-days 365]``.

Generates Circular 10/2021 files for the 13 demo stations (5-minute cadence) with the simulator,
packs them in a zip as a backfill would, then, for each repeat, times ``ingest_batch`` (batches
of 2,000 files) into a fresh database, and the same reading rows inserted with one DBAPI
``executemany`` into the empty ``readings`` table of another fresh database (same schema, same
indexes, same connection settings). Rates are reported from wall time and from CPU time of this
process (the latter is steadier on a shared machine); on PostgreSQL also the server's CPU
time (its backends' ``/proc`` counters) and the ratio of client + server CPU.
``--year-days N`` also writes N days of files for the 13 stations as monthly zip archives and
times a real backfill:
``quantrac ingest <zips> --json`` in a subprocess pinned to one core (it ends with the
after-ingest evaluation: compliance, AQI, one alert pass).
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from service.bootstrap import import_stations
from service.cli.ingest import BATCH_FILES
from service.database import make_engine, upgrade
from service.demo.simulator.model import (
    Scenario,
    StationModel,
    demo_scenario,
    history,
    local_stamp,
    station_file,
)
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.ingest.readers import read_zip
from stations.parsers import ParserOptions, parse
from stations.store.readings import ROWS_PER_INSERT, station_units
from stations.store.sites import list_sites, sync_parameters

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_795_140_000
BATCH = BATCH_FILES  # as `quantrac ingest` commits a backfill


_CREATED: list[tuple[str, str]] = []  # (server URL, database) to drop when the bench ends


@atexit.register
def _drop_created() -> None:
    """Drop the PostgreSQL databases this run created (each is a full copy of the data)."""
    for pg, name in _CREATED:
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def fresh_db(pg: str | None, tmp: Path, tag: str) -> str:
    """A migrated database with the demo stations."""
    if pg:
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = f"qt_bench_{tag}_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        if (pg, name) not in _CREATED:
            _CREATED.append((pg, name))
        url = pg.rsplit("/", 1)[0] + "/" + name
    else:
        url = f"sqlite:///{tmp / f'{tag}.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    engine.dispose()
    return url


def demo_models(tmp: Path) -> list[StationModel]:
    """The 13 demo stations as simulator models."""
    engine = make_engine(fresh_db(None, tmp, "models"))
    with engine.connect() as conn:
        models = [
            StationModel(s.id, s.kind, s.parameters) for s in list_sites(conn, site_type="station")
        ]
    engine.dispose()
    return models


def make_zip(days: float, tmp: Path) -> tuple[Path, int]:
    """Back-history for the demo stations (the simulator's model) as one zip; (path, files)."""
    models = demo_models(tmp)
    path = tmp / "history.zip"
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in history(models, NOW - int(days * 86400), NOW, demo_scenario(NOW)):
            zf.writestr(name, data)
            n += 1
    return path, n


def demo_files(days: float, tmp: Path) -> list[IncomingFile]:
    """The demo stations' files over ``days``, read back from a zip as a backfill reads them."""
    zpath, n_files = make_zip(days, tmp)
    files = list(read_zip(zpath, tmp / "archive"))
    print(f"{n_files} files, {days:g} days, 13 stations")
    return files


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def settle_heap() -> None:
    """Freeze what the process holds before a timed region, as the server does at start-up
    (``service.web.http_server.freeze_startup_heap``; the polling jobs run in its process) and
    ``quantrac ingest`` before its first batch: the collector then walks only what the timed
    code allocates, not the bench's own files and ceiling rows."""
    gc.collect()
    gc.freeze()


def backend_cpu(engine: Any, application: str | None = None) -> dict[int, float]:
    """PostgreSQL: CPU seconds so far of each server process serving ``engine``'s database,
    or only the connections named ``application`` (their ``application_name``); read from
    /proc, so empty on SQLite or when the server runs elsewhere."""
    if engine.dialect.name != "postgresql":
        return {}
    sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    with engine.connect() as conn:
        if application is None:
            pids = conn.scalars(text(sql)).all()
        else:
            sql += " AND application_name = :app"
            pids = conn.scalars(text(sql), {"app": application}).all()
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


def server_seconds(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def end_to_end(url: str, files: list[IncomingFile], tmp: Path) -> tuple[float, float, int, float]:
    """Wall seconds, CPU seconds, readings stored and server CPU seconds (PostgreSQL) for
    ``ingest_batch`` over all files."""
    engine = make_engine(url)
    with engine.connect() as conn:
        sites = station_units(conn)
    s0 = backend_cpu(engine)
    settle_heap()
    w0, c0 = _clock()
    stored = 0
    for i in range(0, len(files), BATCH):
        stored += ingest_batch(
            engine, files[i : i + BATCH], sites=sites, now=NOW, archive_dir=tmp / "archive"
        ).stored
    w1, c1 = _clock()
    server = server_seconds(s0, backend_cpu(engine))
    engine.dispose()
    return w1 - w0, c1 - c0, stored, server


def ceiling(
    url: str, rows: list[tuple[object, ...]], per_statement: int = 1
) -> tuple[float, float, float]:
    """Wall and CPU seconds for the same rows with one DBAPI executemany (SQLite) or one COPY
    (PostgreSQL) and a commit (no parse, QC, file records or derived tables); with the server's
    CPU seconds (PostgreSQL). SQLite with ``per_statement`` > 1: statements of that many rows
    (``INSERT … VALUES (…),(…)``, the way ingest stores them) and the rest by executemany."""
    engine = make_engine(url)
    ph = "%s" if url.startswith("postgresql") else "?"
    sql = (
        "INSERT INTO readings (station_id, parameter, observed_at, value, unit, status, qc_flags,"
        f" file_id) VALUES ({', '.join([ph] * 8)})"
    )
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        if ph == "?":  # as an ingest batch does (tune_for_batch): a statement's journal in memory
            cur.execute("PRAGMA temp_store=MEMORY")
        s0 = backend_cpu(engine)
        w0, c0 = _clock()
        if ph == "%s":  # PostgreSQL: COPY, the fastest way in
            with cur.copy(f"COPY readings ({sql.split('(', 1)[1].split(')')[0]}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
        elif per_statement > 1:
            one = sql.split(" VALUES ")[1]
            many = sql.replace(one, ",".join([one] * per_statement))
            full = len(rows) - len(rows) % per_statement
            for i in range(0, full, per_statement):
                cur.execute(many, list(chain.from_iterable(rows[i : i + per_statement])))
            cur.executemany(sql, rows[full:])
        else:
            cur.executemany(sql, rows)
        raw.commit()  # type: ignore[union-attr]
        w1, c1 = _clock()
        server = server_seconds(s0, backend_cpu(engine))
    engine.dispose()
    return w1 - w0, c1 - c0, server


def with_file_ids(url: str, files: list[IncomingFile]) -> list[tuple[object, ...]]:
    """The reading rows as ingest stores them, each ``file_id`` naming its file: one
    ``ingested_files`` row per file is written first (not timed), so the ceiling pays the
    per-row foreign-key check that every stored reading pays."""
    engine = make_engine(url)
    rows: list[tuple[object, ...]] = []
    with engine.begin() as conn:
        for file_id, f in enumerate(files, start=1):
            conn.execute(
                text(
                    "INSERT INTO ingested_files (id, sha256, name, origin, received_at, size, "
                    "outcome, readings, line_errors) VALUES (:id, :sha, :name, 'bench', :now, "
                    ":size, 'ok', 0, '[]')"
                ),
                {"id": file_id, "sha": f"{file_id:064x}", "name": f.name, "now": NOW,
                 "size": len(f.data)},
            )  # fmt: skip
            parsed = parse(f.data, f.name, "tt10", ParserOptions()).readings
            rows += [(*r, 0, file_id) for r in parsed]
        if url.startswith("postgresql"):  # the ids were given: move the sequence past them
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('ingested_files', 'id'), :n)"),
                {"n": len(files)},
            )
    engine.dispose()
    return rows


def run(pg: str | None, files: list[IncomingFile], tmp: Path, repeats: int) -> dict[str, float]:
    """Medians over ``repeats`` fresh databases: rates (readings/s) and the wall-time ratios
    against two ceilings, interleaved: the reading tuples with ``file_id`` NULL (no foreign-key
    check) and the same tuples as stored, each naming its file."""
    rows = [
        (*r, 0, None)
        for f in files
        for r in parse(f.data, f.name, "tt10", ParserOptions()).readings
    ]
    e2e_w, e2e_c, ceil_w, ceil_c, ratio, total = [], [], [], [], [], []
    stored_w, stored_ratio, multi_w, multi_ratio = [], [], [], []
    n = len(rows)
    for i in range(repeats):
        we, ce, stored, se = end_to_end(fresh_db(pg, tmp, f"e2e{i}"), files, tmp)
        assert stored == n, (stored, n)
        wc, cc, sc = ceiling(fresh_db(pg, tmp, f"ceil{i}"), rows)
        fk_url = fresh_db(pg, tmp, f"ceilfk{i}")
        wk, _ck, sk = ceiling(fk_url, with_file_ids(fk_url, files))
        stored_w.append(n / wk)
        stored_ratio.append(wk / we)
        multi = ""
        if not pg:  # the stricter SQLite ceiling: the same rows the way ingest inserts them
            wm, cm, _ = ceiling(fresh_db(pg, tmp, f"ceilm{i}"), rows, ROWS_PER_INSERT)
            multi_w.append(n / wm)
            multi_ratio.append(wm / we)
            multi = (
                f"; ceiling in {ROWS_PER_INSERT}-row statements {n / wm:,.0f}/s wall, "
                f"{n / cm:,.0f}/s CPU, ratio {wm / we:.0%}"
            )
        e2e_w.append(n / we)
        e2e_c.append(n / ce)
        ceil_w.append(n / wc)
        ceil_c.append(n / cc)
        ratio.append(wc / we)
        total.append((cc + sc) / (ce + se))
        server = f"; server CPU {se:.2f} s vs {sc:.2f} s" if pg else ""
        print(
            f"  run {i + 1}: end-to-end {n / we:,.0f}/s wall, {n / ce:,.0f}/s CPU; "
            f"ceiling {n / wc:,.0f}/s wall, {n / cc:,.0f}/s CPU; ratio {wc / we:.0%}"
            f"{server}; client+server CPU ratio {total[-1]:.0%}; "
            f"ceiling with file ids {n / wk:,.0f}/s wall, ratio {wk / we:.0%}"
            + (f", its server CPU {sk:.2f} s" if pg else "")
            + multi,
            file=sys.stderr,
        )
    med = statistics.median
    return {
        "readings": n,
        "e2e_wall": med(e2e_w),
        "e2e_cpu": med(e2e_c),
        "ceil_wall": med(ceil_w),
        "ceil_cpu": med(ceil_c),
        "ratio": med(ratio),
        "cpu_ratio": med(total),
        "ceil_fk_wall": med(stored_w),
        "ratio_fk": med(stored_ratio),
        "ceil_multi_wall": med(multi_w) if multi_w else None,
        "ratio_multi": med(multi_ratio) if multi_ratio else None,
    }


def write_year(models: list[StationModel], days: int, folder: Path) -> tuple[list[Path], int]:
    """``days`` of 5-minute files for every station, one zip archive per 30 days; fast writer
    (smooth daily cycle + small noise around values of the simulator's model)."""
    start = NOW - days * 86400
    start -= start % 300
    base = {}
    for m in models:
        f = station_file(m, start, Scenario())
        assert f is not None
        base[m.station_id] = [line.split("\t") for line in f[1].decode().split("\r\n") if line]
    cycle = [1 + 0.3 * math.sin(2 * math.pi * i / 288) for i in range(288)]
    paths, n, seed = [], 0, 12345
    for month in range(0, days, 30):
        path = folder / f"backfill_{month // 30:02d}.zip"
        paths.append(path)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
            t = start + month * 86400
            end = min(start + (month + 30) * 86400, start + days * 86400)
            while t < end:
                stamp = local_stamp(t)
                k = cycle[(t // 300) % 288]
                for m in models:
                    lines = []
                    for p, v, u, _stamp, s in base[m.station_id]:
                        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
                        value = float(v) * k * (0.95 + 0.1 * seed / 0x7FFFFFFF)
                        lines.append(f"{p}\t{value:.3f}\t{u}\t{stamp}\t{s}\r\n")
                    zf.writestr(f"{m.station_id}_{stamp}.txt", "".join(lines).encode())
                    n += 1
                t += 300
    return paths, n


def backfill(tmp: Path, days: int) -> dict[str, float]:
    """Time ``quantrac ingest`` over ``days`` of files for the 13 demo stations."""
    folder = tmp / "year"
    folder.mkdir()
    t0 = time.perf_counter()
    paths, n_files = write_year(demo_models(tmp), days, folder)
    generated = time.perf_counter() - t0
    url = fresh_db(None, tmp, "year")
    env = {**os.environ, "QUANTRAC_DATA_DIR": str(tmp / "year-data"), "QUANTRAC_DATABASE_URL": url}
    quantrac = Path(sys.executable).with_name("quantrac")
    cmd = ["taskset", "-c", "0", str(quantrac), "ingest", *map(str, paths), "--json"]
    t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    elapsed, c1 = time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    summary = json.loads(out.stdout)
    return {
        "files": n_files,
        "readings": summary["readings"],
        "seconds": elapsed,
        "cpu": cpu,
        "generated": generated,
        "quarantined": len(summary["quarantined"]),
        "line_errors": summary["line_error_count"],
        "evaluation": summary.get("evaluation"),  # the after-ingest chain, included in the time
    }


def main() -> None:
    """Run and print Markdown table rows."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--pg", default=os.environ.get("QUANTRAC_BENCH_PG_URL"))
    ap.add_argument("--pg-repeats", type=int, default=3)
    ap.add_argument("--pg-only", action="store_true", help="skip the SQLite row")
    ap.add_argument("--year-days", type=int, default=0, help="also time a backfill of N days")
    ap.add_argument(
        "--prior-days",
        default="",
        help="comma-separated sizes (e.g. 3,10,30,365): the batch on top of N days of prior "
        "data against the same-size ceiling, instead of the empty-table rows",
    )
    ap.add_argument("--live", action="store_true", help="the live polling path instead")
    ap.add_argument(
        "--poll-files",
        default="100,0",
        help="with --live: comma-separated files per poll, one row each (100: the chain after "
        "every batch; 0: all files in one poll, a backlog, the chain every 5 s as the job does)",
    )
    ap.add_argument(
        "--sustained",
        default="",
        help="comma-separated shares of the ceiling's rate (e.g. 0.3,0.6): files arrive "
        "continuously at that rate and the polling job takes them as the scheduler runs it",
    )
    ap.add_argument("--interval", type=float, default=1.0, help="with --sustained: poll every N s")
    args = ap.parse_args()
    if args.prior_days or args.live or args.sustained:
        modes(args)
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = demo_files(args.days, tmp)
        print(
            "| backend | readings | end-to-end readings/s (wall · CPU) | ceiling readings/s, "
            "SQLite executemany or PostgreSQL COPY (wall · CPU) | ratio (wall) "
            "| ratio (client + server CPU) | ceiling with file ids, readings/s (wall) "
            f"| ratio to it (wall) | SQLite ceiling in {ROWS_PER_INSERT}-row statements "
            "(wall) | ratio to it (wall) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for label, pg, repeats in (
            ("SQLite", None, args.repeats),
            ("PostGIS", args.pg, args.pg_repeats),
        ):
            if (label == "PostGIS" and not pg) or (label == "SQLite" and args.pg_only):
                continue
            r = run(pg, files, tmp, repeats)
            print(
                f"| {label} | {r['readings']:,} | {r['e2e_wall']:,.0f} · {r['e2e_cpu']:,.0f} | "
                f"{r['ceil_wall']:,.0f} · {r['ceil_cpu']:,.0f} | {r['ratio']:.0%} "
                f"| {r['cpu_ratio']:.0%} | {r['ceil_fk_wall']:,.0f} | {r['ratio_fk']:.0%} | "
                + (
                    f"{r['ceil_multi_wall']:,.0f} | {r['ratio_multi']:.0%} |"
                    if r["ratio_multi"] is not None
                    else "— | — |"
                ),
                flush=True,
            )
        if args.year_days:
            y = backfill(tmp, args.year_days)
            print(
                f"\nbackfill: {y['files']:,} files, {y['readings']:,} readings in "
                f"{y['seconds']:.1f} s wall, {y['cpu']:.1f} s CPU "
                f"({y['readings'] / y['seconds']:,.0f} readings/s; "
                f"quarantined {y['quarantined']}, line errors {y['line_errors']}); "
                f"writing the zips took {y['generated']:.1f} s; evaluation {y['evaluation']}"
            )


def modes(args: argparse.Namespace) -> None:
    """``--prior-days``, ``--live`` and ``--sustained`` (bench/ingest_modes.py)."""
    import ingest_modes

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = demo_files(args.days, tmp)
        if args.prior_days or args.live:
            print(
                "| case | readings | end-to-end readings/s (wall · CPU) "
                "| ceiling readings/s (wall · CPU) | ratio (wall) | ratio (CPU) |"
            )
            print("|---|---|---|---|---|---|")
        if args.prior_days:
            sizes = [int(x) for x in args.prior_days.split(",")]
            ingest_modes.sizes(files, tmp, sizes, args.repeats)
        with ingest_modes.server_logging(tmp) as log_file:  # the job logs as in the server
            if args.live:
                polls = tuple(int(x) for x in args.poll_files.split(","))
                ingest_modes.live(files, tmp, args.repeats, None, polls)
                if args.pg:
                    ingest_modes.live(files, tmp, args.pg_repeats, args.pg, polls)
            if args.sustained:
                shares = [float(x) for x in args.sustained.split(",")]
                ingest_modes.sustained(files, tmp, args.repeats, shares, args.interval)
            if args.live or args.sustained:
                lines = sum(1 for _ in log_file.open(encoding="utf-8"))
                print(f"the job's log: {lines:,} lines, {log_file.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
