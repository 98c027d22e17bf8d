"""VN_AQI per Quyết định 1459/QĐ-TCMT (12/11/2019): sub-indices, NowCast, hourly and daily AQI.

Breakpoints and categories are data (``stations/data/aqi_breakpoints.csv``,
``aqi_categories.csv``). Concentrations are µg/m³ for every parameter, CO included.
Functions are pure: they take hourly means (None = no valid mean) and return results.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
AQI_PARAMETERS = ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")
PM = ("PM2.5", "PM10")
NOWCAST_HOURS = 12
# Daily PM means need 75 % of the day's hours: QĐ 1459 sets no completeness rule, this is ours
# (the same 75 % rule the averaging module uses), documented in docs/compliance.md.
DAILY_MIN_HOURS = 18
O3_8H_CEILING = 400.0  # above it, only the 1-h O3 value counts (QĐ 1459 §2.2.2 b)


@dataclass(frozen=True, slots=True)
class Category:
    """One row of QĐ 1459 Bảng 1."""

    index: int
    aqi_from: int
    aqi_to: int
    label_vi: str
    label_en: str
    colour_vi: str
    rgb: tuple[int, int, int]

    @property
    def hex(self) -> str:
        """``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


@dataclass(frozen=True, slots=True)
class AqiResult:
    """An hourly or daily AQI: overall value, dominant parameter and every sub-index."""

    aqi: int
    dominant: str
    sub_indices: dict[str, int]
    concentrations: dict[str, float]
    category: Category


@cache
def breakpoints() -> dict[str, tuple[tuple[float, float], ...]]:
    """``{key: ((BP_i, I_i), ...)}`` for keys O3_1h, O3_8h, CO, SO2, NO2, PM10, PM2.5."""
    out: dict[str, list[tuple[float, float]]] = {}
    with (DATA_DIR / "aqi_breakpoints.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["key"], []).append(
                (float(row["concentration"]), float(row["index_value"]))
            )
    return {k: tuple(sorted(v)) for k, v in out.items()}


@cache
def categories() -> tuple[Category, ...]:
    """The six categories, best first."""
    with (DATA_DIR / "aqi_categories.csv").open(encoding="utf-8", newline="") as fh:
        return tuple(
            Category(
                index=int(r["category"]),
                aqi_from=int(r["aqi_from"]),
                aqi_to=int(r["aqi_to"]),
                label_vi=r["label_vi"],
                label_en=r["label_en"],
                colour_vi=r["colour_vi"],
                rgb=tuple(int(x) for x in r["rgb"].split(";")),  # type: ignore[arg-type]
            )
            for r in csv.DictReader(fh)
        )


def round_half_up(x: float) -> int:
    """Round as the decision's worked examples do (44.65 → 45, 109.5 → 110)."""
    return math.floor(x + 0.5)


def category_of(aqi: int) -> Category:
    """The category of an integer AQI (values above 500 stay "Nguy hại")."""
    for cat in categories():
        if aqi <= cat.aqi_to:
            return cat
    return categories()[-1]


def sub_index(key: str, concentration: float | None) -> float | None:
    """Formula 1 of QĐ 1459: linear between the breakpoints BP_i ≤ C ≤ BP_{i+1}.

    ``key`` is a parameter code or ``O3_1h``/``O3_8h``. Negative or missing values give None.
    Concentrations at or above the last breakpoint give its index (500): the scale ends there.
    """
    if concentration is None or concentration < 0 or math.isnan(concentration):
        return None
    table = breakpoints()["O3_1h" if key == "O3" else key]
    for (bp_lo, i_lo), (bp_hi, i_hi) in itertools.pairwise(table):
        if concentration <= bp_hi:
            return (i_hi - i_lo) / (bp_hi - bp_lo) * (concentration - bp_lo) + i_lo
    return table[-1][1]


def nowcast(hourly: Sequence[float | None]) -> float | None:
    """NowCast of PM10/PM2.5 from up to 12 hourly means, ``hourly[0]`` = current hour (c1).

    Needs at least 2 of c1..c3; a missing c_i gets weight 0. w* = Cmin/Cmax; w = max(w*, ½).
    For w = ½ the decision writes Σ(½)^i·c_i, which is Σ w^(i−1)·c_i / Σ w^(i−1) with the
    denominator taken as 2; we use the normalised form for both cases so missing hours do not
    pull the value down (equal to the decision's form when all 12 hours are present, within
    0.03 %).
    """
    values = list(hourly[:NOWCAST_HOURS])
    if sum(v is not None for v in values[:3]) < 2:
        return None
    present = [v for v in values if v is not None]
    c_max = max(present)
    if c_max <= 0:
        return 0.0
    w = max(min(present) / c_max, 0.5)
    num = sum(w**i * v for i, v in enumerate(values) if v is not None)
    den = sum(w**i for i, v in enumerate(values) if v is not None)
    return num / den


def _result(subs: dict[str, float], conc: dict[str, float]) -> AqiResult | None:
    if not any(p in subs for p in PM):  # QĐ 1459 §2.1 b: PM10 or PM2.5 is mandatory
        return None
    rounded = {p: round_half_up(v) for p, v in subs.items()}
    dominant = max(rounded, key=lambda p: (rounded[p], -AQI_PARAMETERS.index(p)))
    aqi = rounded[dominant]
    return AqiResult(aqi, dominant, rounded, conc, category_of(aqi))


def hourly_aqi(history: Mapping[str, Sequence[float | None]]) -> AqiResult | None:
    """Hourly AQI. ``history[param]`` lists hourly means newest first (c1, c2, ...).

    PM uses the NowCast of the 12 hours; SO2, NO2, CO and O3 (1-h breakpoints) use c1.
    """
    subs: dict[str, float] = {}
    conc: dict[str, float] = {}
    for param in AQI_PARAMETERS:
        values = history.get(param)
        if not values:
            continue
        c = nowcast(values) if param in PM else values[0]
        value = sub_index(param, c)
        if value is not None and c is not None:
            subs[param] = value
            conc[param] = round(c, 3)
    return _result(subs, conc)


def rolling_8h_max(hours: Sequence[float | None], min_hours: int = 6) -> float | None:
    """Largest 8-h mean over a day given 31 hourly means (the 7 before the day, then its 24).

    Each of the day's 24 hours ends one window of 8 hours (QĐ 1459 §2.2.2 a); a window needs
    ``min_hours`` valid hours (our 75 % rule).
    """
    best: float | None = None
    for end in range(7, len(hours)):
        window = [v for v in hours[end - 7 : end + 1] if v is not None]
        if len(window) >= min_hours:
            mean = sum(window) / len(window)
            best = mean if best is None or mean > best else best
    return best


def daily_aqi(
    day: Mapping[str, Sequence[float | None]], o3_8h_max: float | None
) -> AqiResult | None:
    """Daily AQI from the day's 24 hourly means per parameter (01:00–24:00 local).

    PM: 24-h mean (needs ``DAILY_MIN_HOURS``); SO2, NO2, CO: the largest hourly mean;
    O3: the larger of the AQIs of the largest 1-h mean and the largest 8-h mean, the latter
    ignored above 400 µg/m³.
    """
    subs: dict[str, float] = {}
    conc: dict[str, float] = {}
    for param in AQI_PARAMETERS:
        values = [v for v in day.get(param, ()) if v is not None]
        if not values:
            continue
        if param in PM:
            if len(values) < DAILY_MIN_HOURS:
                continue
            c = sum(values) / len(values)
            value = sub_index(param, c)
        elif param == "O3":
            c = max(values)
            value = sub_index("O3_1h", c)
            if o3_8h_max is not None and o3_8h_max <= O3_8H_CEILING:
                eight = sub_index("O3_8h", o3_8h_max)
                if eight is not None and value is not None and eight > value:
                    value, c = eight, o3_8h_max
        else:
            c = max(values)
            value = sub_index(param, c)
        if value is not None:
            subs[param] = value
            conc[param] = round(c, 3)
    return _result(subs, conc)
