"""The parameter catalogue (``stations/data/parameters.csv``): codes, names, units, QC ranges."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CATALOGUE_CSV = Path(__file__).parent / "data" / "parameters.csv"


@dataclass(frozen=True, slots=True)
class Parameter:
    """One measured quantity. ``unit`` is the default; ``units_by_kind`` overrides it per kind."""

    code: str
    name_vi: str
    name_en: str
    unit: str
    min_valid: float | None
    max_valid: float | None
    media: tuple[str, ...]
    units_by_kind: dict[str, str] = field(default_factory=dict)

    def unit_for(self, kind: str) -> str:
        """The unit a station of ``kind`` (air | wastewater | fluegas) reports this in."""
        return self.units_by_kind.get(kind, self.unit)


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def catalogue(path: Path = CATALOGUE_CSV) -> dict[str, Parameter]:
    """Load the catalogue once: ``{code: Parameter}``."""
    out: dict[str, Parameter] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            by_kind = {
                kind: row[col]
                for kind, col in (("wastewater", "unit_wastewater"), ("fluegas", "unit_fluegas"))
                if row.get(col)
            }
            out[row["code"]] = Parameter(
                code=row["code"],
                name_vi=row["name_vi"],
                name_en=row["name_en"],
                unit=row["unit"],
                min_valid=_opt_float(row["min_valid"]),
                max_valid=_opt_float(row["max_valid"]),
                media=tuple(row["media"].split()),
                units_by_kind=by_kind,
            )
    return out
