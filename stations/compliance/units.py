"""Concentration unit conversion between a limit's unit and a station's unit."""

from __future__ import annotations

_MASS = {"ng": 1e-9, "µg": 1e-6, "ug": 1e-6, "mg": 1e-3, "g": 1.0}


def _split(unit: str) -> tuple[str, str]:
    text = unit.strip().replace("μ", "µ").replace("Nm³", "m³").replace("Nm3", "m³")
    text = text.replace("m3", "m³").replace(" ", "")
    mass, _, volume = text.partition("/")
    return mass, volume


def conversion_factor(from_unit: str, to_unit: str) -> float | None:
    """Factor f with value[to] = f·value[from], or None when the units are not comparable.

    µg/m³ and µg/Nm³ count as the same: QCVN 05 and QĐ 1459 both refer to standard conditions.
    """
    if from_unit == to_unit:
        return 1.0
    (m1, v1), (m2, v2) = _split(from_unit), _split(to_unit)
    if (m1, v1) == (m2, v2):
        return 1.0
    if v1 != v2 or m1 not in _MASS or m2 not in _MASS:
        return None
    return _MASS[m1] / _MASS[m2]
