"""Which limit applies to a station's parameter on a day, and why (the "rule").

Order (docs/compliance.md): 1. the permit's explicit limit; 2. the permit's regulation (or, for
ambient air, the QCVN 05 in force) with its coefficients; 3. when that regulation has been
replaced and the successor's value is not entered yet, the old value under the transition,
flagged low confidence; otherwise no limit (reported, never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stations.compliance.units import conversion_factor
from stations.limits import Limit, LimitTable, load_limits
from stations.limits.regulations import (
    Regulation,
    coefficient_product,
    in_force_for_medium,
    load_regulations,
    successor,
)
from stations.limits.table import regulation_code
from stations.sites import Permit

AIR_AVERAGINGS = ("1h", "8h", "24h")
PERMIT_CITATION = "Giấy phép môi trường của cơ sở / the facility's environmental permit"


@dataclass(frozen=True, slots=True)
class AppliedLimit:
    """The limit a parameter's means are compared with, in the station's unit."""

    parameter: str
    averaging: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    rule: str  # permit | regulation | transition
    regulation: str | None
    citation: str
    confidence: str
    low_confidence: bool
    coefficients: dict[str, float] = field(default_factory=dict)
    note: str = ""

    def ratio(self, mean: float) -> float:
        """measured ÷ limit (> 1 is an exceedance). For a range or minimum the ratio is
        ``max(mean/high, low/mean)``, so the same thresholds work for pH or DO."""
        ratios = []
        if self.value is not None and self.value > 0:
            ratios.append(mean / self.value)
        if self.high is not None and self.high > 0:
            ratios.append(mean / self.high)
        if self.low is not None:
            ratios.append(self.low / mean if mean > 0 else 999.0)
        return min(max(ratios), 999.0) if ratios else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view (API answers say which rule applied and flag low confidence)."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "averaging": self.averaging,
            "rule": self.rule,
            "regulation": self.regulation,
            "citation": self.citation,
            "confidence": self.confidence,
            "low_confidence": self.low_confidence,
            "coefficients": self.coefficients,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A parameter with no usable limit, and the reason (shown to the officer)."""

    parameter: str
    reason: str


def _from_row(
    row: Limit,
    parameter: str,
    averaging: str,
    unit: str,
    rule: str,
    reg: Regulation | None,
    permit: Permit | None,
) -> AppliedLimit | Unresolved:
    factor = conversion_factor(row.unit, unit)
    if factor is None:
        return Unresolved(parameter, f"đơn vị / unit {unit!r} ≠ limit unit {row.unit!r}")
    notes = [row.note] if row.note else []
    applied: dict[str, float] = {}
    product = 1.0
    low_conf = row.low_confidence or rule == "transition"
    if row.applies_coefficients and reg is not None and reg.coefficients:
        given = dict(permit.coefficients) if permit else {}
        product, missing = coefficient_product(reg.coefficients, given)
        applied = {k: float(given[k]) for k in reg.coefficients if k in given}
        if missing:
            low_conf = True
            notes.append(f"thiếu hệ số / permit lacks {', '.join(missing)}: 1 used")
    value, low, high = row.scaled(product)
    return AppliedLimit(
        parameter=parameter,
        averaging=averaging,
        value=_tidy(value, factor),
        low=_tidy(low, factor),
        high=_tidy(high, factor),
        unit=unit,
        rule=rule,
        regulation=row.regulation,
        citation=row.citation,
        confidence=row.confidence.value,
        low_confidence=low_conf,
        coefficients=applied,
        note="; ".join(notes),
    )


def _tidy(x: float | None, factor: float) -> float | None:
    # 150·0.9·1.1 is 148.50000000000003 in binary floating point; limits have few digits.
    return None if x is None else round(x * factor, 9)


def _permit_limit(parameter: str, spec: Any, averaging: str, unit: str) -> AppliedLimit:
    low = high = value = None
    if isinstance(spec, list | tuple):
        low, high = (float(x) if x is not None else None for x in spec)
    else:
        value = float(spec)
    return AppliedLimit(
        parameter, averaging, value, low, high, unit, "permit", None, PERMIT_CITATION, "high", False
    )


def _regulation_limit(
    table: LimitTable,
    regs: dict[str, Regulation],
    permit: Permit,
    parameter: str,
    unit: str,
    day: date,
) -> AppliedLimit | Unresolved | None:
    assert permit.regulation is not None
    named = permit.regulation
    reg = regs.get(regulation_code(named))
    column = permit.column_class
    averaging = permit.basis
    if reg is not None and not reg.in_force(day):
        succ = successor(named, day, regs)
        if succ is not None:
            row = table.find(succ, parameter, "sample", column=column, day=day)
            if row is not None and not row.missing:
                return _from_row(
                    row,
                    parameter,
                    averaging,
                    unit,
                    "regulation",
                    regs.get(regulation_code(succ)),
                    permit,
                )
        old = table.find(named, parameter, "sample", column=column)
        if old is None or old.missing:
            return None if old is None else Unresolved(parameter, _missing_reason(old))
        out = _from_row(old, parameter, averaging, unit, "transition", reg, permit)
        if isinstance(out, AppliedLimit):
            note = (
                f"{succ or 'quy chuẩn thay thế'}: chưa nhập giá trị / values not entered; "
                f"{old.regulation} áp dụng chuyển tiếp / applied under the transition — verify"
            )
            out = _replace_note(out, note)
        return out
    row = table.find(named, parameter, "sample", column=column, day=day)
    if row is None:
        return None
    if row.missing:
        return Unresolved(parameter, _missing_reason(row))
    return _from_row(row, parameter, averaging, unit, "regulation", reg, permit)


def _replace_note(limit: AppliedLimit, note: str) -> AppliedLimit:
    from dataclasses import replace

    joined = "; ".join(n for n in (note, limit.note) if n)
    return replace(limit, note=joined, low_confidence=True)


def _missing_reason(row: Limit) -> str:
    return (
        f"{row.regulation} ({row.parameter}): chưa có giá trị, nhập từ văn bản chính thức / "
        "no value yet, enter from the official text"
    )


def resolve_limits(
    kind: str,
    parameters: dict[str, str],
    permit: Permit | None,
    day: date,
    *,
    table: LimitTable | None = None,
    regulations: dict[str, Regulation] | None = None,
) -> tuple[list[AppliedLimit], list[Unresolved]]:
    """Every limit that applies to a station on local ``day``, and the parameters left without.

    ``kind`` is air | wastewater | fluegas; ``parameters`` maps code → station unit.
    """
    table = table or load_limits()
    regs = regulations if regulations is not None else load_regulations()
    found: list[AppliedLimit] = []
    missing: list[Unresolved] = []
    if kind == "air":
        reg = in_force_for_medium("ambient_air", day, regs)
        for code, unit in parameters.items():
            for averaging in AIR_AVERAGINGS:
                row = table.find(reg.name, code, averaging, day=day) if reg else None
                if row is None:
                    continue
                if row.missing:
                    missing.append(Unresolved(code, _missing_reason(row)))
                    continue
                out = _from_row(row, code, averaging, unit, "regulation", reg, None)
                (found if isinstance(out, AppliedLimit) else missing).append(out)  # type: ignore[arg-type]
        return found, missing
    if permit is None:
        return found, missing
    for code, unit in parameters.items():
        if code in permit.limits:
            found.append(_permit_limit(code, permit.limits[code], permit.basis, unit))
            continue
        if not permit.regulation:
            continue
        applied = _regulation_limit(table, regs, permit, code, unit, day)
        if isinstance(applied, AppliedLimit):
            found.append(applied)
        elif isinstance(applied, Unresolved):
            missing.append(applied)
    return found, missing
