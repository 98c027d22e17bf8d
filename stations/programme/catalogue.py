"""Laboratory parameter catalogue (``stations/data/lab_parameters.csv``) and unit conversion.

A code may appear on several rows with disjoint media (``Pb`` in water is mg/L, in air µg/Nm³,
in soil mg/kg), so a parameter is looked up by ``(code, medium)``. Each row names its canonical
unit and the other units a laboratory may report, with the factor that converts them to the
canonical unit (``µg/L=0.001`` means 1 µg/L = 0.001 mg/L).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

LAB_PARAMETERS_CSV = Path(__file__).resolve().parent.parent / "data" / "lab_parameters.csv"

_UNIT_SPELLINGS = (("μ", "µ"), ("ug", "µg"), ("m3", "m³"), ("(a)", "a"), (" ", ""))


@cache
def normalise_unit(unit: str) -> str:
    """A comparison key for a unit: case-folded, no spaces, ``ug``→``µg``, ``m3``→``m³``.

    ``mg/l``, ``mg/L`` and ``MG/L`` are the same unit to a laboratory; ``dB(A)`` is ``dBA``.
    """
    key = unit.strip().lower()
    for old, new in _UNIT_SPELLINGS:
        key = key.replace(old, new)
    return key


@dataclass(frozen=True, slots=True)
class LabParameter:
    """One laboratory parameter in one set of media, with its canonical unit."""

    code: str
    name_vi: str
    name_en: str
    unit: str
    media: tuple[str, ...]
    conversions: dict[str, float] = field(default_factory=dict)  # normalised unit -> factor
    min_valid: float | None = None
    max_valid: float | None = None
    wqi_group: str | None = None

    def factor_from(self, unit: str) -> float | None:
        """Factor converting a value in ``unit`` to the canonical unit; None if not convertible."""
        key = normalise_unit(unit)
        if key == normalise_unit(self.unit):
            return 1.0
        return self.conversions.get(key)


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _conversions(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in filter(None, (p.strip() for p in text.split(";"))):
        unit, _, factor = item.partition("=")
        out[normalise_unit(unit)] = float(factor)
    return out


@cache
def lab_catalogue(path: Path = LAB_PARAMETERS_CSV) -> dict[tuple[str, str], LabParameter]:
    """``{(code, medium): LabParameter}`` for every code and medium in the catalogue file."""
    out: dict[tuple[str, str], LabParameter] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            param = LabParameter(
                code=row["code"],
                name_vi=row["name_vi"],
                name_en=row["name_en"],
                unit=row["unit"],
                media=tuple(row["media"].split()),
                conversions=_conversions(row["conversions"]),
                min_valid=_opt_float(row["min_valid"]),
                max_valid=_opt_float(row["max_valid"]),
                wqi_group=row["wqi_group"] or None,
            )
            for medium in param.media:
                if (param.code, medium) in out:
                    raise ValueError(f"{path}: {param.code} listed twice for medium {medium}")
                out[(param.code, medium)] = param
    return out


def codes_for(medium: str) -> list[str]:
    """Parameter codes measured in ``medium``, in catalogue order."""
    return [code for (code, m) in lab_catalogue() if m == medium]


def convert(value: float, from_unit: str, param: LabParameter) -> float | None:
    """``value`` in ``from_unit`` converted to ``param``'s canonical unit (None if impossible)."""
    factor = param.factor_from(from_unit)
    return None if factor is None else value * factor
