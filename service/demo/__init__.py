"""The Lạng Sơn demo: data set paths, demo steps, station simulator and synthetic data builders.

Nothing in the domain core (``stations``, ``layers``) or the map (``maps``) imports this package
(import-linter contracts). ``app`` runs ``quantrac demo``; each area's step module (``layers``,
``ingest``, ``compliance``, ``programme``, ``mail``, ``rain``) has
``run(settings, engine, console, history_days)``. This file imports only ``pathlib``: the CLI reads
the data set paths for its option defaults without loading the demo.
"""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parents[2] / "stations" / "demo"
DEMO_STATIONS = DEMO_DIR / "stations.yaml"
DEMO_POINTS = DEMO_DIR / "points.csv"
