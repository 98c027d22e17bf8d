"""Demo step: four rounds (two years) of SYNTHETIC laboratory results for the demo points.

The results are written as a template file under ``data_dir/demo/`` and imported through the
same path as a laboratory's file (``import_results_file``), labelled synthetic.
"""

from __future__ import annotations

from datetime import datetime

from rich.console import Console
from sqlalchemy import Engine

from service.demo.synthetic_results import SAMPLING_MONTH, synthetic_rows
from service.settings import Settings
from stations.programme.template import template_csv
from stations.store.programme import points
from stations.store.programme_import import import_results_file
from stations.timeutil import VN_OFFSET, now_epoch

DEMO_SEED = 8
DEMO_FILE = "programme-results-synthetic.csv"


def demo_rounds(now: int, count: int = 4) -> list[tuple[int, int]]:
    """The last ``count`` rounds whose sampling month is over at ``now``, oldest first."""
    today = datetime.fromtimestamp(now, VN_OFFSET)
    out: list[tuple[int, int]] = []
    year = today.year
    while len(out) < count:
        for number in sorted(SAMPLING_MONTH, reverse=True):
            month = SAMPLING_MONTH[number]
            if (year, month) < (today.year, today.month) and len(out) < count:
                out.append((year, number))
        year -= 1
    return sorted(out)


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Generate, write and import the synthetic results; returns ``settings`` unchanged."""
    del history_days  # rounds are half-yearly; the back-history length does not apply
    now = now_epoch()
    with engine.connect() as conn:
        known = points(conn)
    if not known:
        console.print("demo results: no monitoring points, skipped")
        return settings
    rows = synthetic_rows(known.values(), demo_rounds(now), seed=DEMO_SEED)
    path = settings.data_dir / "demo" / DEMO_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\ufeff" + template_csv(rows)).encode("utf-8"))
    with engine.begin() as conn:
        summary = import_results_file(conn, path.read_bytes(), path.name, now, synthetic=True)
    console.print(
        f"demo results (synthetic): {summary.inserted} new, {summary.unchanged} unchanged, "
        f"rounds {', '.join(summary.rounds)} — {path}"
    )
    return settings
