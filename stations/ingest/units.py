"""Bring each reading to its station's registered unit when the units differ by a known factor.

Runs per file after parsing (tolerant sources, or strict ones with ``aliases``): one set of the
file's distinct ``(station, parameter, unit)`` triples, so a file already in the registry's
units costs one pass and builds nothing. A reading with no unit column (the ``parameter value
time`` layout) takes the registered unit; a unit that cannot be converted is left as written
and QC flags it ``unit_mismatch``. Each conversion is noted on the file (``format_notes``),
which every stored reading points at through ``file_id``.
"""

from __future__ import annotations

from collections.abc import Mapping

from stations.parsers import Reading
from stations.unit_conversion import conversion


def harmonise_units(
    readings: list[Reading], sites: Mapping[str, Mapping[str, str]], notes: list[str]
) -> list[Reading]:
    """``readings`` with convertible units converted (the same list when nothing changes)."""
    if not readings:
        return readings
    # The usual file: one station, every unit already the registered one (checked in one loop).
    station = readings[0][0]
    get = sites.get(station, {}).get
    for r in readings:
        if r[0] != station or get(r[1]) != r[4]:
            break
    else:
        return readings
    todo: dict[tuple[str, str, str], tuple[float, str]] = {}
    for key in {(r[0], r[1], r[4]) for r in readings}:
        station, parameter, unit = key
        expected = sites.get(station, {}).get(parameter)
        if expected is None or unit == expected:
            continue
        if not unit:
            todo[key] = (1.0, expected)
            notes.append(f"{parameter}: no unit, registered {expected} assumed")
            continue
        found = conversion(parameter, unit, expected)
        if found is None:
            continue
        todo[key] = (found.factor, expected)
        notes.append(f"{parameter} {unit}→{expected} ×{found.factor:.6g}")
    if not todo:
        return readings
    out = []
    for r in readings:
        change = todo.get((r[0], r[1], r[4]))
        out.append(r if change is None else r._replace(value=r[3] * change[0], unit=change[1]))
    notes.sort()
    return out
