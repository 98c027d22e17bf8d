"""Which limit applies to a station's parameter on a day, and why (the "rule").

Order (docs/compliance.md): 1. the permit's explicit limit; 2. the regulation that applies to the
facility that day (:mod:`stations.compliance.applicability`: the permit's regulation, the old one
under a successor's transition rule, or the successor) with its coefficients, or for ambient air
the QCVN 05 in force; a row without a value is "limit missing" (reported, never guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from stations.compliance.applicability import applicable_regulation
from stations.compliance.units import conversion_factor
from stations.limits import Limit, LimitTable, load_limits
from stations.limits.regulations import (
    Regulation,
    coefficient_product,
    in_force_for_medium,
    load_regulations,
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
    reason: str = ""  # which rule applied and why ("QCVN 40:2011 cột B — áp dụng chuyển tiếp …")

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
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A parameter with no usable limit, and the reason (shown to the officer)."""

    parameter: str
    reason: str
    missing: bool = False  # the applicable row exists but has no value: "limit missing"
    regulation: str | None = None
    table: str = ""
    citation: str = ""
    rule_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view: ``state`` is ``limit_missing`` or ``no_limit``."""
        return {
            "parameter": self.parameter,
            "state": "limit_missing" if self.missing else "no_limit",
            "reason": self.reason,
            "regulation": self.regulation,
            "table": self.table,
            "citation": self.citation,
            "rule_reason": self.rule_reason,
        }


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
    low_conf = row.low_confidence
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
    which = applicable_regulation(permit, day, regs)
    if which is None:
        return None
    column, averaging = permit.column_class, permit.basis
    row = table.find(which.regulation, parameter, "sample", column=column, day=which.lookup_day)
    reg = regs.get(regulation_code(which.regulation))
    old = which.fallback_to_old
    if old is not None and (row is None or row.missing):
        # The successor's value is not entered and no transition rule is known: the old value,
        # flagged, rather than nothing (QCVN 14:2008 → 14:2025).
        kept = table.find(old.name, parameter, "sample", column=column, day=old.effective_to)
        if kept is not None and not kept.missing:
            out = _from_row(kept, parameter, averaging, unit, "transition", old, permit)
            if isinstance(out, AppliedLimit):
                note = (
                    f"{which.regulation}: chưa nhập giá trị / values not entered; "
                    f"{old.name} áp dụng chuyển tiếp / applied under the transition — verify"
                )
                return replace(out, note=_join(note, out.note), low_confidence=True)
            return out
    if row is None:
        return None
    if row.missing:
        return _missing(row, parameter, which.reason)
    out = _from_row(row, parameter, averaging, unit, which.rule, reg, permit)
    if isinstance(out, AppliedLimit):
        citation = out.citation if which.rule != "transition" else f"{which.reason}; {out.citation}"
        out = replace(
            out,
            reason=which.reason,
            citation=citation,
            low_confidence=out.low_confidence or which.low_confidence,
        )
    return out


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _missing(row: Limit, parameter: str, rule_reason: str) -> Unresolved:
    return Unresolved(
        parameter,
        _missing_reason(row),
        missing=True,
        regulation=row.regulation,
        table=row.table,
        citation=row.citation,
        rule_reason=rule_reason,
    )


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
                    missing.append(_missing(row, code, "QCVN 05 đang có hiệu lực / in force"))
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
