"""Synthetic laboratory results for the demo and the benchmarks — labelled synthetic, never real.

Deterministic for a given seed. Each point gets a lasting "pollution factor" (a few points are
clearly polluted) and each round some noise, so the demo shows exceedances that persist, appear
and disappear between rounds. Values are in the catalogue's canonical units.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from datetime import datetime

from stations.programme.catalogue import codes_for
from stations.programme.evaluate import PointInfo
from stations.timeutil import VN_OFFSET

SYNTHETIC_NOTE = "Dữ liệu giả lập / synthetic"
SYNTHETIC_LAB = "PTN giả lập / synthetic laboratory"

# code: (typical value, log-spread, detection limit or None, scales with pollution)
PROFILES: dict[str, dict[str, tuple[float, float, float | None, bool]]] = {
    "surface_water": {
        "Temp": (24.0, 0.1, None, False),
        "pH": (7.2, 0.05, None, False),
        "DO": (6.8, 0.12, None, False),
        "TSS": (22.0, 0.5, None, True),
        "BOD5": (4.0, 0.35, None, True),
        "COD": (10.0, 0.35, None, True),
        "NH4": (0.15, 0.6, 0.01, True),
        "NO2": (0.02, 0.6, 0.003, True),
        "NO3": (0.8, 0.5, None, True),
        "PO4": (0.06, 0.5, 0.01, True),
        "TP": (0.12, 0.5, None, True),
        "TN": (0.9, 0.4, None, True),
        "Coliform": (1800.0, 0.6, None, True),
        "E.coli": (120.0, 0.7, None, True),
        "As": (0.002, 0.8, 0.001, True),
        "Cd": (0.0006, 0.8, 0.0005, False),
        "Pb": (0.004, 0.8, 0.002, True),
        "Hg": (0.0002, 0.8, 0.0001, False),
        "Cu": (0.01, 0.6, None, False),
        "Zn": (0.05, 0.6, None, False),
        "Fe": (0.3, 0.5, None, True),
        "Cr6": (0.003, 0.5, 0.005, False),
        "Oil": (0.3, 0.6, 0.1, True),
    },
    "groundwater": {
        "pH": (6.9, 0.06, None, False),
        "CODMn": (1.2, 0.5, None, True),
        "TDS": (280.0, 0.4, None, False),
        "Hardness": (150.0, 0.4, None, False),
        "NH4": (0.15, 0.7, 0.01, True),
        "NO3": (2.0, 0.6, None, True),
        "NO2": (0.02, 0.6, 0.003, True),
        "Chloride": (20.0, 0.5, None, False),
        "F": (0.2, 0.4, None, False),
        "SO4": (25.0, 0.5, None, False),
        "As": (0.004, 0.9, 0.001, True),
        "Cd": (0.0006, 0.6, 0.0005, False),
        "Mn": (0.15, 0.7, None, True),
        "Fe": (0.6, 0.8, None, True),
        "Coliform": (1.0, 1.2, 1.0, True),
    },
    "ambient_air": {  # TSP, SO2, NO2, CO, O3 as 1 h samples; PM10 and PM2.5 as 24 h samples
        "TSP": (160.0, 0.35, None, True),
        "SO2": (45.0, 0.4, None, True),
        "NO2": (55.0, 0.4, None, True),
        "CO": (3500.0, 0.4, None, True),
        "O3": (70.0, 0.35, None, False),
        "PM10": (60.0, 0.35, None, True),
        "PM2.5": (32.0, 0.35, None, True),
    },
    "noise": {"LAeq": (64.0, 0.06, None, True), "LAmax": (80.0, 0.05, None, True)},
    "soil": {
        "As": (8.0, 0.5, None, True),
        "Cd": (0.6, 0.6, None, True),
        "Pb": (30.0, 0.5, None, True),
        "Cu": (25.0, 0.4, None, False),
        "Zn": (70.0, 0.4, None, False),
        "CrT": (40.0, 0.4, None, False),
    },
}
AIR_AVERAGING = {"PM10": "24h", "PM2.5": "24h"}
SAMPLING_MONTH = {1: 3, 2: 8}  # the dry-season round in March, the wet-season round in August


def _value(
    rng: random.Random, code: str, spec: tuple[float, float, float | None, bool], f: float
) -> tuple[float, str]:
    typical, spread, dl, scales = spec
    if code == "pH":
        return round(rng.gauss(typical, 0.35) + (0.9 if f > 2.5 else 0), 2), ""
    if code in ("LAeq", "LAmax"):  # decibels add: a noisier place is a few dB louder
        return round(typical + 5 * math.log2(f) + rng.gauss(0, 2), 1), ""
    if code == "DO":
        return round(typical / math.sqrt(f) * math.exp(rng.gauss(0, spread)), 2), ""
    value = typical * (f if scales else 1.0) * math.exp(rng.gauss(0, spread))
    if dl is not None and value < dl:
        return dl, "<"
    digits = max(0, 3 - math.floor(math.log10(value))) if value > 0 else 3
    return round(value, digits), ""


def synthetic_rows(
    points: Iterable[PointInfo],
    rounds: Sequence[tuple[int, int]],
    *,
    seed: int = 8,
    codes: dict[str, list[str]] | None = None,
) -> list[list[object]]:
    """Template rows (``template.COLUMNS`` order) for every point × round × parameter.

    ``codes`` overrides the parameters per medium (the benchmarks use 40 per point); codes
    without a profile get a small generic value.
    """
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for i, point in enumerate(sorted(points, key=lambda p: p.id)):
        profile = PROFILES.get(point.medium, {})
        wanted = (codes or {}).get(point.medium) or list(profile) or codes_for(point.medium)
        polluted = rng.random()
        factor = 3.2 if polluted > 0.9 else (1.6 if polluted > 0.7 else 0.8)
        for year, number in rounds:
            month = SAMPLING_MONTH.get(number, 1 + (number - 1) * 12 // max(len(rounds), 1))
            day, hour = 3 + i % 24, 8 + i % 8
            stamp = datetime(year, month, day, hour, 0, tzinfo=VN_OFFSET)
            f = factor * math.exp(rng.gauss(0, 0.25))
            for code in wanted:
                spec = profile.get(code, (0.01, 0.3, None, False))
                value, qualifier = _value(rng, code, spec, f)
                if code == "Temp":
                    value = round((20.0 if number == 1 else 28.0) + rng.gauss(0, 1.5), 1)
                unit = _unit(point.medium, code)
                averaging = AIR_AVERAGING.get(code, "1h") if point.medium == "ambient_air" else ""
                rows.append(
                    [
                        year,
                        number,
                        point.id,
                        stamp.strftime("%Y-%m-%d %H:%M"),
                        code,
                        value,
                        unit,
                        qualifier,
                        averaging,
                        SYNTHETIC_LAB,
                        "",
                        SYNTHETIC_NOTE,
                    ]
                )
    return rows


def _unit(medium: str, code: str) -> str:
    from stations.programme.catalogue import lab_catalogue

    return lab_catalogue()[(code, medium)].unit
