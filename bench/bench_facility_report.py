"""Facility report benchmark: assemble and render the compliance report of the Đồng Bành
industrial zone (LS_KCNDB_NT01, the demo's live COD episode) over simulator history.

Builds a SQLite database under a temporary folder, ingests ``--days`` of 5-minute simulator
files for the station (archived as a zip, as a backfill is), recomputes compliance, then
measures ``facility_report`` (numbers + SHA-256 of every episode file read back from the archive)
and the XLSX and HTML rendering; medians of ``--repeats``.
Run: ``.venv/bin/python bench/bench_facility_report.py [--days 3] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from service.bootstrap import import_stations, prepare_database
from service.demo import DEMO_STATIONS
from service.demo.ingest import backfill_history
from service.demo.simulator.model import StationModel
from service.reports.facility import render_facility_report
from service.settings import Settings
from stations.compliance.engine import recompute
from stations.compliance.facility_report import facility_report
from stations.store.sites import list_sites
from stations.timeutil import now_epoch

STATION = "LS_KCNDB_NT01"


def _median(fn, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Build, then time the three steps."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=float, default=3)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, data_dir=Path(tmp))  # type: ignore[call-arg]
        engine = prepare_database(settings)
        import_stations(engine, DEMO_STATIONS)
        with engine.connect() as conn:
            site = next(s for s in list_sites(conn, site_type="station") if s.id == STATION)
        now = now_epoch()
        start = now - int(args.days * 86400)
        model = StationModel(site.id, site.kind, site.parameters)
        files, stored = backfill_history(engine, settings, [model], args.days, now)
        recompute(engine, start, now + 300, now, station_ids=[STATION])
        with engine.connect() as conn:
            report = facility_report(conn, STATION, start, now + 300)

            def assemble() -> None:
                facility_report(conn, STATION, start, now + 300)

            t_report = _median(assemble, args.repeats)
        t_xlsx = _median(lambda: render_facility_report(report, "xlsx", "bench"), args.repeats)
        t_html = _median(lambda: render_facility_report(report, "html", "bench"), args.repeats)
        episodes = report["stations"][0]["episodes"]
        n_files = sum(len(e["files"]) for e in episodes)
        print(f"{args.days:g} days: {files} files, {stored} readings ingested")
        print(f"{len(episodes)} episodes, {n_files} episode files hashed from the archive")
        print(f"facility_report median {t_report * 1000:.0f} ms")
        print(f"render xlsx median {t_xlsx * 1000:.1f} ms, html median {t_html * 1000:.1f} ms")


if __name__ == "__main__":
    main()
