"""Where the demo data set lives (a cheap import for the CLI's option defaults)."""

from __future__ import annotations

from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent.parent / "stations" / "demo"
DEMO_STATIONS = DEMO_DIR / "stations.yaml"
DEMO_POINTS = DEMO_DIR / "points.csv"
