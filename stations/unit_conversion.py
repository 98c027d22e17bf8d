"""Convert a reading's value between units that differ by a known factor (data, with citations).

Two kinds of conversion, both from files in ``stations/data/``:

- ``unit_factors.csv``: fixed factors (SI prefixes µg ↔ mg, kPa ↔ hPa) and the ambient-air
  assumption that µg/m³ counts as µg/Nm³ (the row's note gives the source);
- gas mixing ratios ppm / ppb -> mg/Nm³ or µg/Nm³ with the molar mass of the gas
  (``molar_masses.csv``) and the molar volume at the regulations' reference conditions.

Reference conditions: Nm³ is 25 °C and 760 mmHg in QCVN 05:2023 §1.3.10 (regulations.md §3.1,
high) and QCVN 19:2024 §1.3.10 (regulations-2026-12.md §2.1, medium). The molar volume there is
R·T/P = 8.314462618 J/(mol·K) × 298.15 K / 101 325 Pa = 24.465 L/mol (R: CODATA 2018, exact).
A unit pair that is not in these tables is not converted: the reading keeps ``unit_mismatch``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data"
R_J_PER_MOL_K = 8.314462618  # CODATA 2018, exact
T_REFERENCE_K = 298.15  # 25 °C
P_REFERENCE_PA = 101_325.0  # 760 mmHg
MOLAR_VOLUME_L = R_J_PER_MOL_K * T_REFERENCE_K / P_REFERENCE_PA * 1000  # 24.465 L/mol

# mass concentration per mixing ratio, in (unit per ppm) / (g/mol) * L/mol: ppm -> mg/Nm³ is M/Vm
_RATIO_SCALE = {
    ("ppm", "mg/Nm³"): 1.0,
    ("ppm", "µg/Nm³"): 1000.0,
    ("ppb", "µg/Nm³"): 1.0,
    ("ppb", "mg/Nm³"): 0.001,
}


@dataclass(frozen=True, slots=True)
class Conversion:
    """Multiply the value by ``factor``; ``why`` says on what basis (shown in the file's notes)."""

    factor: float
    why: str


@cache
def _factors() -> dict[tuple[str, str], Conversion]:
    with (_DATA / "unit_factors.csv").open(encoding="utf-8", newline="") as fh:
        return {
            (row["from"], row["to"]): Conversion(float(row["factor"]), row["note"])
            for row in csv.DictReader(fh)
        }


@cache
def molar_masses() -> dict[str, float]:
    """``{parameter code: g/mol}`` of the gases whose mixing ratios can be converted."""
    with (_DATA / "molar_masses.csv").open(encoding="utf-8", newline="") as fh:
        return {row["parameter"]: float(row["molar_mass_g_mol"]) for row in csv.DictReader(fh)}


@cache
def conversion(parameter: str, unit_from: str, unit_to: str) -> Conversion | None:
    """How to turn ``unit_from`` into ``unit_to`` for ``parameter``, or None if not known."""
    found = _factors().get((unit_from, unit_to))
    if found is not None:
        return found
    scale = _RATIO_SCALE.get((unit_from.lower(), unit_to))
    mass = molar_masses().get(parameter)
    if scale is None or mass is None:
        return None
    return Conversion(
        scale * mass / MOLAR_VOLUME_L,
        f"M({parameter}) = {mass} g/mol, Vm = {MOLAR_VOLUME_L:.3f} L/mol at 25 °C, 760 mmHg",
    )
