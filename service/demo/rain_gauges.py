"""SYNTHETIC rain gauges as sites, and their rain as reading rows: one builder for the demo, the
warnings benchmark (bench/bench_warnings.py) and the warnings test scenario
(tests/warnings/scenario.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stations.rain import PARAMETER
from stations.sites import Site


def rain_gauge(gid: str, name: str, lon: float, lat: float, interval_s: int, **config: Any) -> Site:
    """A synthetic precipitation station sending mm every ``interval_s`` seconds."""
    return Site(
        gid,
        name,
        "station",
        "rain",
        "precipitation",
        lon,
        lat,
        synthetic=True,
        parameters={PARAMETER: "mm"},
        config={"interval_s": interval_s, **config},
    )


def rain_rows(gauge: str, points: Iterable[tuple[int, float]]) -> list[dict[str, Any]]:
    """Rows of the readings table for ``(observed_at, mm)`` points of one gauge (status 00)."""
    return [
        {
            "station_id": gauge,
            "parameter": PARAMETER,
            "observed_at": at,
            "value": mm,
            "unit": "mm",
            "status": "00",
            "qc_flags": 0,
            "file_id": None,
        }
        for at, mm in points
    ]
