"""Which regulation applies to a facility on a day: the 31/12/2031 transitions (table-driven).

Sources: TT 06/2025/TT-BTNMT Art. 3 (QCVN 40:2025, in force 01/09/2025) and TT 45/2024/TT-BTNMT
Art. 3 (QCVN 19:2024, in force 01/07/2025): facilities operating, or whose ĐTM was approved (for
QCVN 19 also: permit dossier submitted), before the effective day keep the old QCVN until
31/12/2031 (regulations-2026-12.md §1.1, §2.1; medium). The new QCVNs' values are NOT FOUND, so
a new facility judged under them has "limit missing" (never a limit, never compliant).
"""

from __future__ import annotations

from datetime import date

import pytest

from stations.compliance.rules import resolve_limits
from stations.limits.regulations import load_regulations
from stations.sites import Permit

WW = {"COD": "mg/L", "TSS": "mg/L", "pH": "-"}
STACK = {"Dust": "mg/Nm³", "SO2": "mg/Nm³"}
OLD_40 = {
    "regulation": "QCVN 40:2011/BTNMT",
    "column_class": "B",
    "coefficients": {"Kq": 1, "Kf": 1},
}
OLD_19 = {
    "regulation": "QCVN 19:2009/BTNMT",
    "column_class": "B",
    "coefficients": {"Kp": 1, "Kv": 1},
}

CASES = [
    # kind, params, permit fields, day, parameter, expected (rule, regulation, value, low_conf)
    # or "missing"; the reason text that must be shown
    pytest.param(
        "wastewater", WW, {**OLD_40, "operating_since": date(2015, 3, 1)}, date(2026, 6, 1),
        "COD", ("transition", "QCVN 40:2011/BTNMT", 150.0, False),
        "QCVN 40:2011 cột B — áp dụng chuyển tiếp đến 31/12/2031 theo Điều 3 TT 06/2025",
        id="existing-40:2011-B-in-2026-normal-confidence"),  # QCVN 40:2011 B COD 150 (§4.1)
    pytest.param(
        "wastewater", WW, {**OLD_40, "eia_approved_on": date(2025, 8, 31)}, date(2031, 12, 31),
        "COD", ("transition", "QCVN 40:2011/BTNMT", 150.0, False),
        "theo Điều 3 TT 06/2025", id="eia-the-day-before-keeps-it-to-the-last-day"),
    pytest.param(
        "wastewater", WW, {**OLD_40, "operating_since": date(2015, 3, 1)}, date(2032, 1, 1),
        "COD", "missing", "QCVN 40:2025 cột B", id="after-2031-the-new-one-applies"),
    pytest.param(
        "wastewater", WW, {**OLD_40, "permit_date": date(2025, 10, 1),
                           "eia_approved_on": date(2025, 9, 15)}, date(2026, 6, 1),
        "COD", "missing", "cơ sở mới", id="new-facility-40:2025-limit-missing"),
    pytest.param(
        "wastewater", WW, {"regulation": "QCVN 40:2025/BTNMT", "column_class": "B"},
        date(2026, 6, 1), "COD", "missing", "quy chuẩn ghi trong giấy phép",
        id="permit-names-40:2025-explicitly"),
    pytest.param(
        "wastewater", WW, {**OLD_40, "permit_date": date(2025, 10, 1)}, date(2025, 8, 1),
        "COD", ("regulation", "QCVN 40:2011/BTNMT", 150.0, False), "quy chuẩn ghi trong giấy phép",
        id="before-01-09-2025-40:2011-is-simply-in-force"),
    pytest.param(
        "wastewater", WW, {**OLD_40, "limits": {"COD": 90}, "permit_date": date(2025, 10, 1)},
        date(2026, 6, 1), "COD", ("permit", None, 90.0, False), "",
        id="the-permit's-own-limit-wins"),
    # QCVN 19:2009 → 19:2024 around 01/07/2025 (19:2009 values are from memory: low, §5.1)
    pytest.param(
        "fluegas", STACK, {**OLD_19, "operating_since": date(2010, 1, 1)}, date(2025, 7, 1),
        "Dust", ("transition", "QCVN 19:2009/BTNMT", 200.0, True),
        "QCVN 19:2009 cột B — áp dụng chuyển tiếp đến 31/12/2031 theo Điều 3 TT 45/2024",
        id="existing-19:2009-B-on-2025-07-01"),
    pytest.param(
        "fluegas", STACK, {**OLD_19, "permit_date": date(2025, 6, 30)}, date(2027, 1, 1),
        "Dust", ("transition", "QCVN 19:2009/BTNMT", 200.0, True), "giấy phép / permit 30/06/2025",
        id="19:2024-permit-dossier-before-counts"),
    pytest.param(
        "fluegas", STACK, {**OLD_19, "eia_approved_on": date(2025, 7, 1)}, date(2025, 6, 30),
        "Dust", ("regulation", "QCVN 19:2009/BTNMT", 200.0, True), "",
        id="new-stack-on-2025-06-30-still-19:2009"),
    pytest.param(
        "fluegas", STACK, {**OLD_19, "eia_approved_on": date(2025, 7, 1)}, date(2025, 7, 1),
        "Dust", "missing", "QCVN 19:2024 cột B — cơ sở mới", id="new-stack-on-2025-07-01-missing"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "params", "fields", "day", "parameter", "expected", "why"), CASES)
def test_applicability(kind, params, fields, day, parameter, expected, why) -> None:  # type: ignore[no-untyped-def]
    found, unresolved = resolve_limits(kind, params, Permit(**fields), day)
    applied = {a.parameter: a for a in found}
    if expected == "missing":
        assert parameter not in applied  # no limit: never judged compliant
        miss = next(u for u in unresolved if u.parameter == parameter)
        assert miss.missing and miss.as_dict()["state"] == "limit_missing"
        assert why in miss.rule_reason and miss.citation
        return
    rule = expected[0]
    limit = applied[parameter]
    assert (limit.rule, limit.regulation, limit.value, limit.low_confidence) == expected
    assert why in limit.reason
    if rule == "transition":
        assert why in limit.citation  # stored with every episode


def test_the_transition_rules_are_data_with_citations() -> None:
    regs = load_regulations()
    for code, article in (("40:2025", "TT 06/2025"), ("19:2024", "TT 45/2024")):
        rule = regs[code].transition
        assert rule is not None and rule.until == date(2031, 12, 31)
        assert article in rule.citation and "regulations-2026-12.md" in rule.citation
    assert "operating_since" in regs["40:2025"].transition.eligible_by  # type: ignore[union-attr]
    assert regs["22:2009"].effective_to is None and "CONFLICT" in regs["22:2009"].note
    assert "30/12/2024" in regs["19:2024"].citation
    assert {"19:2009", "20:2009", "21:2009", "23:2009", "34:2010", "51:2017"} <= set(
        regs["19:2024"].replaces
    )
    assert "UNCONFIRMED" in regs["14:2025"].note
