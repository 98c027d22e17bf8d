"""Which regulation applies to one facility on one day, and why (docs/compliance.md).

A permit names a regulation (and column). When that regulation has been replaced, the
successor's transition rule (``regulations.csv``: ``transition_until``, ``transition_eligible``,
``transition_citation``) decides: a facility whose recorded dates (operating since, ĐTM approved
on, permit date) fall before the successor's effective day keeps the old regulation until the
transition ends, at the old values' own confidence (QCVN 40:2011 → 40:2025: TT 06/2025 Art. 3;
QCVN 19:2009 → 19:2024: TT 45/2024 Art. 3). A facility whose dates are all on or after it is
judged under the successor. A facility with no dates recorded keeps the old regulation, flagged
low confidence until an officer records them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from stations.limits.regulations import Regulation, successor_regulation
from stations.limits.table import regulation_code
from stations.sites import Permit

DATE_LABELS = {
    "operating_since": "vận hành từ / operating since",
    "eia_approved_on": "ĐTM phê duyệt / EIA approved",
    "permit_date": "giấy phép / permit",
}


@dataclass(frozen=True, slots=True)
class Applicable:
    """The regulation to look limits up in: ``lookup_day`` is the day whose rows apply (the old
    regulation's last day under a transition); ``rule`` is regulation | transition."""

    regulation: str
    lookup_day: date
    rule: str
    reason: str
    low_confidence: bool = False
    fallback_to_old: Regulation | None = None  # old regulation when the new value is missing


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _label(name: str, column: str | None) -> str:
    short = name.split("/")[0]
    return f"{short} cột {column}" if column else short


def eligible(permit: Permit, new: Regulation) -> tuple[bool | None, str]:
    """(True/False/None = unknown, the dates that decided) for ``new``'s transition rule."""
    assert new.transition is not None and new.effective_from is not None
    dates = permit.applicability_dates()
    relevant = {k: v for k, v in dates.items() if k in new.transition.eligible_by}
    if not relevant:
        return None, ""
    before = {k: v for k, v in relevant.items() if v < new.effective_from}
    shown = before or relevant
    why = ", ".join(f"{DATE_LABELS.get(k, k)} {_vn(v)}" for k, v in sorted(shown.items()))
    return bool(before), why


def applicable_regulation(
    permit: Permit, day: date, regs: dict[str, Regulation]
) -> Applicable | None:
    """The regulation that applies to ``permit``'s facility on local ``day`` (None: none)."""
    assert permit.regulation is not None
    named = permit.regulation
    column = permit.column_class
    reg = regs.get(regulation_code(named))
    if reg is None or reg.in_force(day):
        reason = f"{_label(named, column)} — quy chuẩn ghi trong giấy phép / permit's regulation"
        return Applicable(named, day, "regulation", reason)
    old_day = reg.effective_to or day
    new = successor_regulation(named, day, regs)
    if new is None:
        reason = (
            f"{_label(named, column)} — hết hiệu lực {_vn(old_day)}, không có quy chuẩn thay thế "
            "trong dữ liệu / expired, no successor in the data: verify"
        )
        return Applicable(named, old_day, "transition", reason, low_confidence=True)
    rule = new.transition
    if rule is None or day > rule.until or new.effective_from is None:
        reason = f"{_label(new.name, column)} — thay thế / replaces {named.split('/')[0]}"
        # No transition rule known: the old value stays a low-confidence fallback while the
        # successor's value is not entered (the pre-issue-15 behaviour, kept for QCVN 14).
        fallback = reg if rule is None else None
        return Applicable(new.name, day, "regulation", reason, fallback_to_old=fallback)
    ok, why = eligible(permit, new)
    article = rule.citation.split(":")[0]
    if ok is False:
        reason = (
            f"{_label(new.name, column)} — cơ sở mới ({why}, từ {_vn(new.effective_from)}) / "
            f"new facility; {article}"
        )
        return Applicable(new.name, day, "regulation", reason)
    keep = (
        f"{_label(named, column)} — áp dụng chuyển tiếp đến {_vn(rule.until)} theo {article} / "
        f"transition until {rule.until.isoformat()}"
    )
    if ok:
        return Applicable(named, old_day, "transition", f"{keep} ({why})")
    reason = (
        f"{keep}; chưa ghi ngày vận hành/ĐTM/giấy phép — giả định cơ sở hiện hữu, cần xác minh / "
        "no operating, EIA or permit date recorded: assumed existing, verify"
    )
    return Applicable(named, old_day, "transition", reason, low_confidence=True)
