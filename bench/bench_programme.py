"""Periodic-programme benchmark: import 163 points × 40 parameters × 4 rounds; one round report.

Usage: ``python bench/bench_programme.py [--repeat 3] [--pg URL]``.
The 163 demo points are imported as surface-water points (so that 40 catalogue parameters apply
to each), 26,080 synthetic results are written as one CSV template file, and the time of
``import_results_file`` (read + validate every row + store, one transaction) into a fresh
database is measured; then a re-import of the same file (nothing changes) and the round report
(numbers + four charts + HTML, and XLSX).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from service.bootstrap import import_points
from service.database import make_engine, upgrade
from service.demo.synthetic_results import synthetic_rows
from service.reports.programme.rendering import render_report
from stations.programme.catalogue import codes_for
from stations.programme.template import template_csv
from stations.store.programme import points, round_report
from stations.store.programme_import import import_results_file
from stations.store.sites import sync_parameters

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = [(2024, 1), (2024, 2), (2025, 1), (2025, 2)]
N_PARAMS = 40


def fresh_db(tmp: Path, tag: str, pg: str | None) -> str:
    """A migrated database with the 163 demo points, all as surface water."""
    url = f"sqlite:///{tmp / f'{tag}.db'}"
    if pg:
        name = f"qt_bench_prog_{tag}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = pg.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        sync_parameters(conn)
    src = ROOT / "stations" / "demo" / "points.csv"
    with src.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["medium"], row["water_class"] = "surface_water", row["water_class"] or "B"
    path = tmp / "points-all-surface.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    import_points(engine, path)
    engine.dispose()
    return url


def main() -> None:
    """Run the benchmark and print the medians."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: SQLite)")
    args = parser.parse_args()
    codes = [*[c for c in codes_for("surface_water") if c != "Temp"][: N_PARAMS - 1], "Temp"]
    assert len(codes) == N_PARAMS
    imports, reimports, reports_html, reports_xlsx = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for i in range(args.repeat):
            url = fresh_db(tmp, f"run{i}", args.pg)
            engine = make_engine(url)
            with engine.connect() as conn:
                pts = list(points(conn).values())
            rows = synthetic_rows(pts, ROUNDS, seed=i, codes={"surface_water": codes})
            data = ("\ufeff" + template_csv(rows)).encode("utf-8")
            t0 = time.perf_counter()
            with engine.begin() as conn:
                summary = import_results_file(conn, data, "bench.csv", 0)
            imports.append(time.perf_counter() - t0)
            assert summary.inserted == len(rows) == 163 * N_PARAMS * len(ROUNDS)
            t0 = time.perf_counter()
            with engine.begin() as conn:
                again = import_results_file(conn, data, "bench.csv", 0)
            reimports.append(time.perf_counter() - t0)
            assert again.inserted == again.updated == 0
            with engine.connect() as conn:
                for fmt, sink in (("html", reports_html), ("xlsx", reports_xlsx)):
                    t0 = time.perf_counter()
                    report, evaluations = round_report(conn, 4)
                    render_report(report, evaluations, fmt, "bench")
                    sink.append(time.perf_counter() - t0)
            engine.dispose()
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"backend {backend}; {len(rows)} results ({163} points × {N_PARAMS} × {len(ROUNDS)})")
    for label, values in (
        ("import (validate + store)", imports),
        ("re-import, nothing changes", reimports),
        ("round report HTML (4 charts)", reports_html),
        ("round report XLSX (4 charts)", reports_xlsx),
    ):
        print(f"{label:32s} median {statistics.median(values):6.2f} s  (n={len(values)})")


if __name__ == "__main__":
    main()
