"""Parameter and unit spellings (``stations/data/parameter_aliases.csv``) -> catalogue codes.

Group ``tt10`` rows are the Circular's own symbols (e.g. ``PM2,5``) and are always accepted;
group ``common`` rows are spellings seen in the field, accepted when a source enables
``aliases`` (see :class:`~stations.parsers.base.ParserOptions`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stations.parameters import catalogue

ALIASES_CSV = Path(__file__).resolve().parent.parent / "data" / "parameter_aliases.csv"


@dataclass(frozen=True, slots=True)
class AliasTables:
    """Lookup dicts: strict (exact codes + Circular symbols) and lenient (also common, any case)."""

    strict_params: dict[str, str]
    lenient_params: dict[str, str]  # keys lower-cased
    strict_units: dict[str, str]
    lenient_units: dict[str, str]  # keys lower-cased

    def parameter(self, text: str, lenient: bool) -> str | None:
        """The catalogue code for ``text``, or None when unknown."""
        code = self.strict_params.get(text)
        if code is None and lenient:
            code = self.lenient_params.get(text.strip().lower())
        return code

    def unit(self, text: str, lenient: bool) -> str:
        """The canonical unit spelling (unknown units are returned as written)."""
        if lenient:
            return self.lenient_units.get(text.strip().lower(), text.strip())
        return self.strict_units.get(text, text)


@cache
def alias_tables(path: Path = ALIASES_CSV) -> AliasTables:
    """Load the alias table once."""
    codes = catalogue()
    strict_params = {c: c for c in codes}
    lenient_params = {c.lower(): c for c in codes}
    units = {p.unit for p in codes.values()} | {
        u for p in codes.values() for u in p.units_by_kind.values()
    }
    strict_units = {u: u for u in units}
    lenient_units = {u.lower(): u for u in units}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            alias, canonical = row["alias"], row["canonical"]
            if row["kind"] == "parameter":
                if canonical not in codes:
                    raise ValueError(f"{path}: alias {alias!r} -> unknown code {canonical!r}")
                if row["group"] == "tt10":
                    strict_params[alias] = canonical
                lenient_params[alias.lower()] = canonical
            else:
                lenient_units[alias.lower()] = canonical
    return AliasTables(strict_params, lenient_params, strict_units, lenient_units)
