"""Demo step of the layers area: province outline, SYNTHETIC landslide raster and flood zones.

Both hazard data sets are generated (seeded, so every demo shows the same map) and imported
through the same path as a department's real files; they are labelled synthetic everywhere.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from layers.communes import load_province_outline
from layers.zones import import_zones
from service.demo.synthetic_zones import flood_zones, landslide_raster
from service.settings import Settings
from stations.timeutil import now_epoch

LANDSLIDE_ID = "demo-landslide"
FLOOD_ID = "demo-flood-ky-cung"


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Load the demo layers; returns the settings unchanged."""
    now = now_epoch()
    load_province_outline(engine, now)
    with tempfile.TemporaryDirectory(prefix="quantrac-demo-") as tmp:
        tif = landslide_raster(Path(tmp) / "landslide-synthetic.tif")
        report = import_zones(
            engine,
            tif,
            hazard="landslide",
            data_dir=settings.data_dir,
            now=now,
            source_id=LANDSLIDE_ID,
            title="Phân vùng sạt lở GIẢ LẬP / SYNTHETIC landslide susceptibility",
            synthetic=True,
        )
        console.print(f"demo landslide zones (synthetic): {report.zones_by_level}")
        gpkg = flood_zones(Path(tmp) / "flood-synthetic.gpkg")
        report = import_zones(
            engine,
            gpkg,
            hazard="flood",
            data_dir=settings.data_dir,
            now=now,
            source_id=FLOOD_ID,
            title="Vùng ngập sông Kỳ Cùng GIẢ LẬP / SYNTHETIC Kỳ Cùng flood zones",
            synthetic=True,
        )
        console.print(f"demo flood zones (synthetic): {report.zones_by_level}")
    return settings
