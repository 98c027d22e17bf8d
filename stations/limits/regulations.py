"""Regulation metadata (``stations/data/regulations.csv``): dates, successors, coefficient rules,
and the coefficient tables (``limit_coefficients.csv``), each row with citation and confidence.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from stations.limits.model import Confidence
from stations.limits.table import regulation_code

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True, slots=True)
class Transition:
    """A successor regulation's transition rule: a facility whose ``eligible_by`` permit dates
    (operating since, EIA approved on, permit date) fall before the successor's effective day
    may keep the replaced regulation until ``until`` (inclusive)."""

    until: date
    eligible_by: tuple[str, ...]
    citation: str


@dataclass(frozen=True, slots=True)
class Regulation:
    """One regulation: when it is in force, what it replaces, which coefficients scale C."""

    name: str
    medium: str
    effective_from: date | None
    effective_to: date | None
    replaces: tuple[str, ...]  # codes of the regulations this one replaces ("19:2009", ...)
    coefficients: tuple[str, ...]  # ("Kq", "Kf") -> Cmax = C·Kq·Kf
    columns: tuple[str, ...]
    citation: str
    confidence: Confidence
    note: str = ""
    # Who may keep applying a regulation this one replaces, until when, and the article saying so
    # (TT 06/2025 Art. 3, TT 45/2024 Art. 3); empty when the text sets no transition we know of.
    transition: Transition | None = None

    @property
    def code(self) -> str:
        """Short code, e.g. ``40:2011``."""
        return regulation_code(self.name)

    def in_force(self, day: date) -> bool:
        """True on local calendar ``day`` (bounds inclusive, empty = open)."""
        if self.effective_from is not None and day < self.effective_from:
            return False
        return self.effective_to is None or day <= self.effective_to


@dataclass(frozen=True, slots=True)
class CoefficientBand:
    """One row of a coefficient table: ``value`` applies when above < measure ≤ up_to."""

    regulation: str
    coefficient: str
    category: str
    measure: str
    above: float | None
    up_to: float | None
    value: float
    citation: str
    confidence: Confidence
    note: str = ""


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _transition(row: dict[str, str]) -> Transition | None:
    until = _day(row.get("transition_until") or "")
    if until is None:
        return None
    return Transition(
        until=until,
        eligible_by=tuple((row.get("transition_eligible") or "").split()),
        citation=row.get("transition_citation") or "",
    )


@cache
def load_regulations(path: Path = DATA_DIR / "regulations.csv") -> dict[str, Regulation]:
    """``{code: Regulation}`` from the regulations file (read once)."""
    out: dict[str, Regulation] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            reg = Regulation(
                name=row["regulation"],
                medium=row["medium"],
                effective_from=_day(row["effective_from"]),
                effective_to=_day(row["effective_to"]),
                replaces=tuple(
                    regulation_code(r) for r in (row["replaces"] or "").split(";") if r.strip()
                ),
                coefficients=tuple(row["coefficients"].split()),
                columns=tuple(row["columns"].split()),
                citation=row["citation"],
                confidence=Confidence(row["confidence"]),
                note=row["note"],
                transition=_transition(row),
            )
            out[reg.code] = reg
    return out


def successor_regulation(
    name: str, day: date, regulations: dict[str, Regulation] | None = None
) -> Regulation | None:
    """The regulation that replaced ``name`` and is in force on ``day`` (following chains)."""
    regs = regulations if regulations is not None else load_regulations()
    code = regulation_code(name)
    seen = {code}
    while True:
        nxt = next((r for r in regs.values() if code in r.replaces), None)
        if nxt is None or nxt.code in seen:
            return None
        if nxt.in_force(day):
            return nxt
        code = nxt.code
        seen.add(code)


def successor(name: str, day: date, regulations: dict[str, Regulation] | None = None) -> str | None:
    """The name of :func:`successor_regulation` (None when nothing replaced ``name``)."""
    found = successor_regulation(name, day, regulations)
    return found.name if found is not None else None


def in_force_for_medium(
    medium: str, day: date, regulations: dict[str, Regulation] | None = None
) -> Regulation | None:
    """The regulation for a medium in force on ``day`` (ambient air: QCVN 05:2013 or 05:2023)."""
    regs = regulations if regulations is not None else load_regulations()
    found = [r for r in regs.values() if r.medium == medium and r.in_force(day)]
    return found[0] if len(found) == 1 else None


@cache
def load_coefficients(
    path: Path = DATA_DIR / "limit_coefficients.csv",
) -> tuple[CoefficientBand, ...]:
    """Every coefficient-table row (Kq, Kf, Kp, Kv) with citation and confidence."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            CoefficientBand(
                regulation=row["regulation"],
                coefficient=row["coefficient"],
                category=row["category"],
                measure=row["measure"],
                above=_float(row["above"]),
                up_to=_float(row["up_to"]),
                value=float(row["value"]),
                citation=row["citation"],
                confidence=Confidence(row["confidence"]),
                note=row["note"],
            )
            for row in csv.DictReader(fh)
        )


def coefficient_for(
    regulation: str, coefficient: str, category: str, measure: float | None = None
) -> CoefficientBand | None:
    """The table row for e.g. ``("QCVN 40:2011", "Kq", "river", 120.0)`` (50 < Q ≤ 200 → 1.0)."""
    code = regulation_code(regulation)
    for band in load_coefficients():
        if regulation_code(band.regulation) != code or band.coefficient != coefficient:
            continue
        if band.category != category:
            continue
        if band.above is None and band.up_to is None:
            return band
        if measure is None:
            continue
        if (band.above is None or measure > band.above) and (
            band.up_to is None or measure <= band.up_to
        ):
            return band
    return None


def coefficient_product(names: tuple[str, ...], given: dict[str, float]) -> tuple[float, list[str]]:
    """Product of the named coefficients from a permit; missing ones count as 1 and are listed.

    ``coefficient_product(("Kq", "Kf"), {"Kq": 0.9, "Kf": 1.1})`` → ``(0.99, [])``.
    """
    product = 1.0
    missing: list[str] = []
    for name in names:
        value = given.get(name)
        if value is None:
            missing.append(name)
        else:
            product *= float(value)
    return product, missing
