"""VN_WQI for surface water per Quyết định 1460/QĐ-TCMT (12/11/2019).

Sub-index tables and the six classes are data (``stations/data/wqi/``); this module interprets
them. Choices where our reference (regulations.md §7) is uncertain — each documented in
docs/programme.md and tested in tests/stations/test_wqi.py:

1. Sub-index: linear between breakpoints (QĐ 1460 formula 1); below the first breakpoint the
   table's ``below`` value, above the last its ``above`` value; exactly on a breakpoint, its q.
2. The product terms ``(1/100)·Π WQI_II`` and ``(1/100)·Π WQI_III`` are read as the geometric
   mean of the sub-indices divided by 100 — the only reading that keeps VN_WQI within 0–100.
   So WQI = (WQI_I/100) × (gm_II/100) × (gm_III/100) × core, with core = [mean_IV² × mean_V]^(1/3)
   (``cube_root``) or [mean_IV × mean_V]^(1/2) (``square_root``), a cited setting
   (:mod:`stations.programme.wqi_formula`); a missing group I/II/III contributes 1, a missing
   group V reduces the core to mean_IV.
3. Minimum data (not found exactly in our reference): group IV is required with at least three
   parameters, and at least three of the five groups must be present.
4. DO enters as % saturation: DO_sat(T) = 14.652 − 0.41022T + 0.0079910T² − 0.000077774T³; without
   a water temperature, DO is left out (and the result says so).
5. A below-detection result enters at its detection limit.
6. VN_WQI is rounded to the nearest integer (half up) before it is classed.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from stations.programme.wqi_formula import current_formula, wqi_formulas

WQI_DIR = Path(__file__).resolve().parent.parent / "data" / "wqi"
GROUPS = ("I", "II", "III", "IV", "V")


@dataclass(frozen=True, slots=True)
class SubIndexTable:
    """Breakpoints (ascending) and their q values for one parameter."""

    parameter: str
    group: str
    unit: str
    breakpoints: tuple[float, ...]
    q_values: tuple[float, ...]
    below: float
    above: float
    confidence: str


@dataclass(frozen=True, slots=True)
class WqiClass:
    """One of the six VN_WQI classes, with its colour."""

    code: str
    min: int
    max: int
    name_vi: str
    name_en: str
    colour_vi: str
    hex: str


@dataclass(frozen=True, slots=True)
class WqiResult:
    """VN_WQI of one sample; ``value`` is None when the data are not enough (see ``reason``)."""

    value: int | None
    raw: float | None
    wqi_class: WqiClass | None
    sub_indices: dict[str, float] = field(default_factory=dict)
    groups: tuple[str, ...] = ()
    reason: str = ""
    formula: str = ""  # aggregation formula key (aggregation.csv)
    low_confidence_rows: tuple[str, ...] = ()  # sub-index tables used whose confidence is low

    def method(self) -> dict[str, object]:
        """Which formula and which low-confidence sub-index rows this value used."""
        formula = wqi_formulas().get(self.formula)
        return {
            "formula": formula.as_dict() if formula else None,
            "low_confidence_rows": list(self.low_confidence_rows),
        }


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(";") if x.strip())


@cache
def subindex_tables(path: Path = WQI_DIR / "subindex.csv") -> dict[str, SubIndexTable]:
    """``{parameter: SubIndexTable}`` (``DO_sat`` is the DO % saturation table)."""
    out = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            bps, qs = _floats(r["breakpoints"]), _floats(r["q_values"])
            if len(bps) != len(qs) or list(bps) != sorted(bps):
                raise ValueError(f"{path}: bad breakpoints for {r['parameter']}")
            out[r["parameter"]] = SubIndexTable(
                r["parameter"],
                r["group"],
                r["unit"],
                bps,
                qs,
                float(r["below"]),
                float(r["above"]),
                r["confidence"],
            )
    return out


@cache
def wqi_classes(path: Path = WQI_DIR / "classes.csv") -> tuple[WqiClass, ...]:
    """The six classes, best first."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            WqiClass(
                r["code"],
                int(r["min"]),
                int(r["max"]),
                r["name_vi"],
                r["name_en"],
                r["colour_vi"],
                r["hex"],
            )
            for r in csv.DictReader(fh)
        )


def classify(value: int) -> WqiClass:
    """The class of a (rounded) VN_WQI value."""
    for cls in wqi_classes():
        if cls.min <= value <= cls.max:
            return cls
    raise ValueError(f"VN_WQI out of range: {value}")


def sub_index(value: float, table: SubIndexTable) -> float:
    """q for ``value``: linear between breakpoints (QĐ 1460 formula 1), else below/above."""
    bps, qs = table.breakpoints, table.q_values
    if value < bps[0]:
        return table.below
    if value > bps[-1]:
        return table.above
    for i in range(len(bps) - 1):
        lo, hi = bps[i], bps[i + 1]
        if lo <= value <= hi:
            if value == lo:
                return qs[i]
            return qs[i] + (qs[i + 1] - qs[i]) * (value - lo) / (hi - lo)
    return qs[-1]  # value equals the only (or last) breakpoint


def do_saturation(temp_c: float) -> float:
    """Saturated dissolved oxygen (mg/L) at ``temp_c`` °C (QĐ 1460)."""
    t = temp_c
    return 14.652 - 0.41022 * t + 0.0079910 * t**2 - 0.000077774 * t**3


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def compute_wqi(
    values: Mapping[str, float],
    tables: Mapping[str, SubIndexTable] | None = None,
    formula: str | None = None,
) -> WqiResult:
    """VN_WQI from ``{parameter: value}`` in the catalogue's units (DO in mg/L, Temp in °C);
    ``formula`` is an aggregation key (default: the configured one)."""
    tables = subindex_tables() if tables is None else tables
    formula = formula or current_formula().key
    subs: dict[str, float] = {}
    reason = ""
    for code, value in values.items():
        if code == "DO":
            if "Temp" not in values:
                reason = "DO bỏ qua: thiếu nhiệt độ nước / DO left out: no water temperature"
                continue
            subs["DO"] = sub_index(value / do_saturation(values["Temp"]) * 100, tables["DO_sat"])
        elif code in tables:
            subs[code] = sub_index(value, tables[code])
    by_group: dict[str, list[float]] = {g: [] for g in GROUPS}
    for code, q in subs.items():
        by_group[tables["DO_sat" if code == "DO" else code].group].append(q)
    present = tuple(g for g in GROUPS if by_group[g])
    low = tuple(sorted(c for c in subs if tables["DO_sat" if c == "DO" else c].confidence == "low"))
    if len(by_group["IV"]) < 3 or len(present) < 3:
        why = "cần nhóm IV (≥ 3 thông số) và ≥ 3 nhóm / needs group IV (≥ 3) and ≥ 3 groups"
        note = "; ".join(filter(None, (why, reason)))
        return WqiResult(None, None, None, subs, present, note, formula, low)

    def geo_fraction(qs: list[float]) -> float:
        return math.prod(q / 100 for q in qs) ** (1 / len(qs)) if qs else 1.0

    mean_iv = sum(by_group["IV"]) / len(by_group["IV"])
    core = mean_iv
    if by_group["V"]:
        mean_v = sum(by_group["V"]) / len(by_group["V"])
        core = (
            (mean_iv * mean_v) ** 0.5
            if formula == "square_root"
            else ((mean_iv**2 * mean_v) ** (1 / 3))
        )
    ph = by_group["I"][0] / 100 if by_group["I"] else 1.0
    raw = ph * geo_fraction(by_group["II"]) * geo_fraction(by_group["III"]) * core
    value = _round_half_up(raw)
    return WqiResult(value, raw, classify(value), subs, present, reason, formula, low)
