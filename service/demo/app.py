"""``quantrac demo``: load the Lạng Sơn demo data set and wire the station simulator.

The sites come from ``stations/demo/`` (13 automatic stations and 163 periodic points, labelled
synthetic where they are). Each area adds its own demo step module (zones, simulator and
back-history, compliance, laboratory results) with
``run(settings, engine, console, history_days)``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from service.bootstrap import import_points, import_stations
from service.demo import DEMO_POINTS, DEMO_STATIONS
from service.demo import compliance as demo_compliance
from service.demo import ingest as demo_ingest
from service.demo import layers as demo_layers
from service.demo import mail as demo_mail
from service.demo import programme as demo_programme
from service.demo import rain as demo_rain
from service.settings import Settings

# Zones first (layers carry zone levels), then the history and its compliance, then the
# laboratory rounds; last a local mailbox for the alert e-mails.
DEMO_STEPS = (demo_layers, demo_ingest, demo_compliance, demo_programme, demo_mail, demo_rain)


def setup_demo(
    settings: Settings, engine: Engine, *, history_days: float, console: Console
) -> Settings:
    """Import the demo registry and run every area's demo step; returns the settings to serve."""
    ins, upd = import_stations(engine, DEMO_STATIONS)
    console.print(f"demo stations: {ins} new, {upd} updated")
    ins, upd = import_points(engine, DEMO_POINTS)
    console.print(f"demo monitoring points: {ins} new, {upd} updated")
    for step in DEMO_STEPS:
        settings = step.run(settings, engine, console, history_days)
    if settings.alerts_file is None:
        # A copy under the data directory: the administration page edits it, never the package.
        demo_alerts = settings.data_dir / "demo_alerts.yaml"
        if not demo_alerts.exists():
            shutil.copyfile(
                Path(__file__).parent.parent / "alerting" / "demo_alerts.yaml", demo_alerts
            )
        settings = settings.model_copy(update={"alerts_file": demo_alerts})
    return settings
