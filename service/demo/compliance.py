"""Demo step: evaluate compliance and the AQI over the simulated back-history.

The back-history is ingested in bulk before the service starts, so the after-ingest hooks have
not seen it; one recompute over the history window gives the map and the alert feed their
episodes and AQI from the first page load.
"""

from __future__ import annotations

from rich.console import Console
from sqlalchemy import Engine

from service.settings import Settings
from service.worker.jobs.compliance import engine_options
from stations.compliance.engine import recompute
from stations.timeutil import now_epoch


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Recompute episodes and AQI for the last ``history_days`` (plus a day of margin)."""
    now = now_epoch()
    start = now - int((history_days + 1) * 86400)
    stats = recompute(engine, start, now + 3600, now, options=engine_options(settings))
    console.print(
        f"demo compliance: {stats.episodes.inserted} episodes, "
        f"AQI {stats.aqi_hours} hours / {stats.aqi_days} days"
    )
    return settings
