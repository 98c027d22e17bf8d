"""Ingest benchmark: end-to-end (parse + QC + store + hourly means + latest) vs raw executemany.

Usage: ``taskset -c 0 python bench/bench_ingest.py [--days 7] [--pg URL] [--year]``.
Generates Circular 10/2021 files for the 13 demo stations (5-minute cadence), packs them in a zip
as a backfill would, then times ``ingest_batch`` (batches of 2000 files) into a fresh database,
and the same reading rows inserted with one ``executemany`` into an empty ``readings`` table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from sqlalchemy import create_engine, text

from service.bootstrap import import_stations
from service.database import make_engine, upgrade
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.ingest.readers import read_zip
from stations.parsers import ParserOptions, parse
from stations.simulator.model import StationModel, demo_scenario, history
from stations.store.readings import station_units
from stations.store.sites import list_sites, sync_parameters

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_795_140_000


def fresh_db(pg: str | None, tmp: Path, tag: str) -> str:
    """A migrated database with the demo stations."""
    if pg:
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = f"qt_bench_{tag}_{os.getpid()}"
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
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


def make_zip(days: float, tmp: Path) -> tuple[Path, int]:
    """Back-history for the demo stations as one zip; (path, file count)."""
    url = fresh_db(None, tmp, "gen")
    engine = make_engine(url)
    with engine.connect() as conn:
        models = [
            StationModel(s.id, s.kind, s.parameters) for s in list_sites(conn, site_type="station")
        ]
    engine.dispose()
    path = tmp / "history.zip"
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in history(models, NOW - int(days * 86400), NOW, demo_scenario(NOW)):
            zf.writestr(name, data)
            n += 1
    return path, n


def end_to_end(url: str, files: list[IncomingFile], tmp: Path) -> tuple[float, int]:
    """Seconds and readings stored for ``ingest_batch`` over all files."""
    engine = make_engine(url)
    with engine.connect() as conn:
        sites = station_units(conn)
    t0 = time.perf_counter()
    stored = 0
    for i in range(0, len(files), 2000):
        stored += ingest_batch(
            engine, files[i : i + 2000], sites=sites, now=NOW, archive_dir=tmp / "archive"
        ).stored
    elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, stored


def ceiling(url: str, files: list[IncomingFile]) -> tuple[float, int]:
    """Seconds for the same rows with one executemany (no parse, QC, files or derived tables)."""
    rows = []
    for f in files:
        for r in parse(f.data, f.name, "tt10", ParserOptions()).readings:
            rows.append((*r, 0, None))
    engine = make_engine(url)
    ph = "%s" if url.startswith("postgresql") else "?"
    sql = (
        "INSERT INTO readings (station_id, parameter, observed_at, value, unit, status, qc_flags,"
        f" file_id) VALUES ({', '.join([ph] * 8)})"
    )
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        cur = raw.cursor()  # type: ignore[union-attr]
        t0 = time.perf_counter()
        cur.executemany(sql, rows)
        raw.commit()  # type: ignore[union-attr]
        elapsed = time.perf_counter() - t0
    engine.dispose()
    return elapsed, len(rows)


def run(pg: str | None, files: list[IncomingFile], tmp: Path, repeats: int) -> dict[str, float]:
    """Median end-to-end and ceiling rates (readings/s) over ``repeats`` fresh databases."""
    e2e, ceil = [], []
    n = 0
    for i in range(repeats):
        secs, n = end_to_end(fresh_db(pg, tmp, f"e2e{i}"), files, tmp)
        e2e.append(n / secs)
        secs_c, _ = ceiling(fresh_db(pg, tmp, f"ceil{i}"), files)
        ceil.append(n / secs_c)
    return {"readings": n, "e2e": statistics.median(e2e), "ceiling": statistics.median(ceil)}


def main() -> None:
    """Run and print a Markdown table row per backend."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("QUANTRAC_BENCH_PG_URL"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        zpath, n_files = make_zip(args.days, tmp)
        files = list(read_zip(zpath, tmp / "archive"))
        print(f"{n_files} files, {args.days:g} days, 13 stations")
        print(
            "| backend | readings | end-to-end readings/s | executemany ceiling readings/s "
            "| ratio | 1 year (~10.3 M readings) |"
        )
        print("|---|---|---|---|---|---|")
        for label, pg in (("SQLite", None), ("PostGIS", args.pg)):
            if label == "PostGIS" and not pg:
                continue
            r = run(pg, files, tmp, args.repeats)
            year = 105_120 * 98 / r["e2e"]
            print(
                f"| {label} | {r['readings']:,} | {r['e2e']:,.0f} | {r['ceiling']:,.0f} | "
                f"{r['e2e'] / r['ceiling']:.0%} | {year / 60:.1f} min (estimate) |"
            )


if __name__ == "__main__":
    main()
