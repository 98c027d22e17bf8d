"""Synthetic values for the demo stations, with scenario switches.

Every value is deterministic in (seed, station, parameter, time), so a test can ask for the
file a station "sent" at a given time. Baselines are plausible but SYNTHETIC, not measurements.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from service.demo.simulator.storm import Storm
from stations.parsers.base import STATUS_CALIBRATING, STATUS_MEASURING
from stations.timeutil import VN_OFFSET

# (baseline, relative noise, diurnal amplitude) per parameter, in the catalogue's units.
BASELINES: dict[str, tuple[float, float, float]] = {
    "PM2.5": (25, 0.15, 0.35),
    "PM10": (45, 0.15, 0.3),
    "TSP": (80, 0.15, 0.3),
    "SO2": (20, 0.2, 0.2),
    "NO2": (25, 0.2, 0.4),
    "CO": (1500, 0.15, 0.3),
    "O3": (60, 0.15, 0.5),
    "RH": (75, 0.05, 0.15),
    "Dust": (60, 0.12, 0.1),
    "NOx": (400, 0.1, 0.1),
    "O2": (9, 0.05, 0.05),
    "Flow": (250000, 0.05, 0.1),
    "P": (101, 0.01, 0.0),
    "pH": (7.2, 0.02, 0.0),
    "TSS": (40, 0.15, 0.1),
    "COD": (60, 0.12, 0.1),
    "NH4": (4, 0.15, 0.1),
    "TN": (15, 0.1, 0.1),
    "TP": (2, 0.1, 0.1),
    "Color": (30, 0.1, 0.0),
}
# Per-kind overrides where one code means different magnitudes (stack vs ambient air).
KIND_BASELINES: dict[tuple[str, str], tuple[float, float, float]] = {
    ("fluegas", "SO2"): (300, 0.1, 0.1),
    ("fluegas", "CO"): (200, 0.15, 0.1),
    ("fluegas", "Temp"): (140, 0.03, 0.0),
    ("air", "Temp"): (22, 0.03, 0.25),
    ("wastewater", "Temp"): (27, 0.02, 0.05),
    ("wastewater", "Flow"): (150, 0.1, 0.3),
}


@dataclass(frozen=True, slots=True)
class StationModel:
    """A simulated datalogger: station id, kind and ``{parameter: unit}``."""

    station_id: str
    kind: str
    parameters: Mapping[str, str]
    lon: float | None = None  # rain gauges: where the storm field is read
    lat: float | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A time window ``[start, end)`` (UTC epoch s) on a station (and parameter, None = all)."""

    station_id: str
    start: int
    end: int
    parameter: str | None = None
    factor: float = 3.5

    def covers(self, station_id: str, t: int, parameter: str | None = None) -> bool:
        """True when this window applies."""
        return (
            self.station_id == station_id
            and self.start <= t < self.end
            and (self.parameter is None or parameter is None or self.parameter == parameter)
        )


@dataclass(frozen=True, slots=True)
class Scenario:
    """Scenario switches: exceedance episodes, calibration windows, outages, malformed files
    (probability per file), clock skew per station (seconds added to the datalogger clock)."""

    exceedances: tuple[Window, ...] = ()
    calibrations: tuple[Window, ...] = ()
    outages: tuple[Window, ...] = ()
    malformed_rate: float = 0.0
    clock_skew: Mapping[str, int] = field(default_factory=dict)
    seed: int = 7
    storm: Storm | None = None  # rain gauges report this storm (none: no rain)
    rain_step_s: int = 600


def value_at(model: StationModel, parameter: str, t: int, scenario: Scenario) -> float:
    """The simulated value of one parameter at ``t`` (UTC epoch seconds)."""
    if parameter == "Rain":
        if scenario.storm is None or model.lon is None or model.lat is None:
            return 0.0
        return scenario.storm.rain_mm(
            model.station_id, model.lon, model.lat, t, scenario.rain_step_s
        )
    base, noise, diurnal = KIND_BASELINES.get((model.kind, parameter)) or BASELINES.get(
        parameter, (10, 0.1, 0.1)
    )
    rng = random.Random(f"{scenario.seed}:{model.station_id}:{parameter}:{t}")
    hour = ((t + 7 * 3600) % 86400) / 3600
    value = base * (1 + diurnal * math.sin((hour - 9) / 24 * 2 * math.pi))
    value *= 1 + rng.gauss(0, noise)
    for w in scenario.exceedances:
        if w.covers(model.station_id, t, parameter) and parameter not in ("Temp", "O2", "P", "pH"):
            value *= w.factor
    if parameter == "RH":
        value = min(value, 100.0)
    if parameter == "O2":
        value = min(value, 20.9)
    return round(max(value, 0.0), 2)


def status_at(model: StationModel, t: int, scenario: Scenario) -> str:
    """Device status: 01 inside a calibration window, else 00."""
    if any(w.covers(model.station_id, t) for w in scenario.calibrations):
        return STATUS_CALIBRATING
    return STATUS_MEASURING


def local_stamp(t: int) -> str:
    """UTC epoch seconds -> the datalogger's local ``YYYYMMDDhhmmss`` (UTC+7)."""
    return datetime.fromtimestamp(t, VN_OFFSET).strftime("%Y%m%d%H%M%S")


def render_tt10(
    station_id: str, t: int, lines: list[tuple[str, float, str, str]]
) -> tuple[str, bytes]:
    """The canonical file for ``(parameter, value, unit, status)`` lines: (name, bytes)."""
    stamp = local_stamp(t)
    body = "".join(f"{p}\t{v}\t{u}\t{stamp}\t{s}\r\n" for p, v, u, s in lines)
    return f"{station_id}_{stamp}.txt", body.encode("utf-8")


_CORRUPTIONS = ("non_numeric", "semicolons", "truncated", "binary", "unknown_parameter")


def station_file(model: StationModel, t: int, scenario: Scenario) -> tuple[str, bytes] | None:
    """The file a station sends for measurement time ``t``; None during an outage."""
    if any(w.covers(model.station_id, t) for w in scenario.outages):
        return None
    status = status_at(model, t, scenario)
    lines = [(p, value_at(model, p, t, scenario), u, status) for p, u in model.parameters.items()]
    clock = t + scenario.clock_skew.get(model.station_id, 0)
    name, data = render_tt10(model.station_id, clock, lines)
    rng = random.Random(f"{scenario.seed}:malformed:{model.station_id}:{t}")
    if scenario.malformed_rate and rng.random() < scenario.malformed_rate:
        data = _corrupt(data, rng.choice(_CORRUPTIONS))
    return name, data


def _corrupt(data: bytes, how: str) -> bytes:
    if how == "non_numeric":
        first, _, rest = data.partition(b"\r\n")
        cells = first.split(b"\t")
        cells[1] = b"ERR"
        return b"\t".join(cells) + b"\r\n" + rest
    if how == "semicolons":
        return data.replace(b"\t", b";")
    if how == "truncated":
        return data[: len(data) // 2]
    if how == "binary":
        return bytes(range(256))
    return data + b"XYZ\t1.0\tppm\t20260101000000\t00\r\n"


def history(
    models: list[StationModel], start: int, end: int, scenario: Scenario, step_s: int = 300
) -> Iterator[tuple[str, bytes]]:
    """Files of every station for each ``step_s`` slot in ``[start, end)``, in time order."""
    t = start - start % step_s
    while t < end:
        for model in models:
            f = station_file(model, t, scenario)
            if f is not None:
                yield f
        t += step_s


def demo_scenario(now: int) -> Scenario:
    """The demo's scenario: past exceedance episodes, a calibration window, an outage, and one
    exceedance still going on when the demo starts (so the map and the alert feed show a live
    episode: COD at the Đồng Bành industrial zone at about 1.8 × its limit for 8 more hours)."""
    h = 3600
    return Scenario(
        exceedances=(
            Window("LS_KCNDB_NT01", now - 3 * h, now + 8 * h, "COD", 4.5),
            Window("LS_XMDB_KHI01", now - 30 * h, now - 27 * h, "Dust", 4.0),
            Window("LS_CCNHL_NT01", now - 10 * h, now - 8 * h, "COD", 3.0),
            Window("LS_SONNMT_KK01", now - 20 * h, now - 14 * h, "PM2.5", 3.5),
        ),
        calibrations=(Window("LS_XLNTLS_NT01", now - 6 * h, now - 5 * h - 1800),),
        outages=(Window("LS_KCNDB_NT01", now - 40 * h, now - 38 * h),),
    )
