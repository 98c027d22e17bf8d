"""Which limit applies: coefficient products, exceptions, explicit permit limits, transitions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from stations.compliance.rules import resolve_limits
from stations.limits import load_limits
from stations.limits.regulations import coefficient_for, coefficient_product
from stations.sites import Permit

WW = {"COD": "mg/L", "TSS": "mg/L", "pH": "-", "Temp": "°C", "Color": "Pt/Co", "NH4": "mg/L",
      "BOD5": "mg/L", "Coliform": "MPN/100mL", "Flow": "m³/h"}  # fmt: skip
STACK = {"Dust": "mg/Nm³", "SO2": "mg/Nm³", "NOx": "mg/Nm³", "CO": "mg/Nm³", "O2": "%"}
BEFORE = date(2024, 6, 1)  # all 2009/2011 regulations in force
AFTER = date(2026, 1, 1)  # replacements in force, their values not entered


def _limits(kind, params, permit, day):  # type: ignore[no-untyped-def]
    found, missing = resolve_limits(kind, params, permit, day)
    return {(a.parameter, a.averaging): a for a in found}, missing


PRODUCTS = [
    # regulation, column, coefficients, parameter, expected Cmax, citation
    pytest.param("QCVN 40:2011/BTNMT", "B", {"Kq": 0.9, "Kf": 1.1}, "COD", 148.5,
                 id="qcvn40-B-COD-150x0.9x1.1"),  # Cmax = C·Kq·Kf (§4.1)
    pytest.param("QCVN 40:2011/BTNMT", "B", {"Kq": 0.9, "Kf": 1.1}, "TSS", 99.0,
                 id="qcvn40-B-TSS-100x0.99"),
    pytest.param("QCVN 40:2011/BTNMT", "A", {"Kq": 1.2, "Kf": 0.9}, "BOD5", 32.4,
                 id="qcvn40-A-BOD5-30x1.08"),
    pytest.param("QCVN 40:2011/BTNMT", "B", {"Kq": 0.9, "Kf": 1.1}, "Temp", 40.0,
                 id="qcvn40-temperature-no-coefficients"),  # Cmax = C for temperature
    pytest.param("QCVN 40:2011/BTNMT", "B", {"Kq": 0.9, "Kf": 1.1}, "Color", 150.0,
                 id="qcvn40-colour-no-coefficients"),
    pytest.param("QCVN 40:2011/BTNMT", "B", {"Kq": 0.9, "Kf": 1.1}, "Coliform", 5000.0,
                 id="qcvn40-coliform-no-coefficients"),
    pytest.param("QCVN 14:2008/BTNMT", "B", {"K": 1.2}, "BOD5", 60.0,
                 id="qcvn14-B-BOD5-50xK1.2"),  # Cmax = C·K (§4.3)
    pytest.param("QCVN 14:2008/BTNMT", "A", {"K": 1.2}, "Coliform", 3000.0,
                 id="qcvn14-coliform-no-K"),
]  # fmt: skip


@pytest.mark.parametrize(("regulation", "column", "coef", "parameter", "expected"), PRODUCTS)
def test_coefficient_products(regulation, column, coef, parameter, expected) -> None:  # type: ignore[no-untyped-def]
    permit = Permit(regulation=regulation, column_class=column, coefficients=coef)
    limits, _ = _limits("wastewater", WW, permit, BEFORE)
    assert limits[(parameter, "1h")].value == pytest.approx(expected)
    assert limits[(parameter, "1h")].rule == "regulation"


def test_ph_range_is_never_scaled() -> None:
    # QCVN 40:2011 column B pH 5.5–9 (§4.1): Kq·Kf apply to maxima only.
    permit = Permit(
        regulation="QCVN 40:2011", column_class="B", coefficients={"Kq": 0.9, "Kf": 1.1}
    )
    ph = _limits("wastewater", WW, permit, BEFORE)[0][("pH", "1h")]
    assert (ph.value, ph.low, ph.high) == (None, 5.5, 9.0)


def test_qcvn19_kp_kv_product() -> None:
    # Cmax = C·Kp·Kv (QCVN 19:2009 §1.3.4; regulations.md §5.1): dust B 200 × 0.9 × 1.2 = 216.
    permit = Permit(regulation="QCVN 19:2009/BTNMT", column_class="B",
                    coefficients={"Kp": 0.9, "Kv": 1.2}, o2_ref=10)  # fmt: skip
    limits, _ = _limits("fluegas", STACK, permit, BEFORE)
    assert limits[("Dust", "1h")].value == pytest.approx(216.0)
    assert limits[("SO2", "1h")].value == pytest.approx(540.0)
    assert limits[("Dust", "1h")].low_confidence  # QCVN 19:2009 values are from memory (low)


def test_explicit_permit_limits_win() -> None:
    permit = Permit(regulation="QCVN 40:2011/BTNMT", column_class="B",
                    limits={"COD": 120, "pH": [6, 8.5]})  # fmt: skip
    limits, _ = _limits("wastewater", WW, permit, AFTER)
    assert limits[("COD", "1h")].value == 120 and limits[("COD", "1h")].rule == "permit"
    assert (limits[("pH", "1h")].low, limits[("pH", "1h")].high) == (6, 8.5)
    assert not limits[("COD", "1h")].low_confidence


def test_after_replacement_an_undated_facility_keeps_the_old_value_flagged() -> None:
    # TT 06/2025 Art. 3 (regulations-2026-12.md §1.1): existing facilities keep QCVN 40:2011 to
    # 31/12/2031; with no operating/EIA date recorded that is assumed, and flagged for checking.
    permit = Permit(
        regulation="QCVN 40:2011/BTNMT", column_class="B", coefficients={"Kq": 1, "Kf": 1}
    )
    limits, _ = _limits("wastewater", WW, permit, AFTER)
    cod = limits[("COD", "1h")]
    assert (cod.value, cod.rule, cod.low_confidence) == (150.0, "transition", True)
    assert "áp dụng chuyển tiếp đến 31/12/2031" in cod.reason and "verify" in cod.reason


def test_a_filled_successor_value_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stations.limits.loader import LIMITS_DIR

    for f in LIMITS_DIR.glob("*.csv"):
        text = f.read_text(encoding="utf-8")
        if f.name == "qcvn40_2025.csv":
            old = next(line for line in text.splitlines() if ",COD,sample,B," in line)
            text = text.replace(
                old, old.replace(",B,,,,", ",B,110,,,").replace(",missing,", ",high,")
            )
        (tmp_path / f.name).write_text(text, encoding="utf-8")
    permit = Permit(
        regulation="QCVN 40:2011/BTNMT",
        column_class="B",
        coefficients={"Kq": 0.9, "Kf": 1},
        eia_approved_on=date(2025, 10, 1),  # a new facility: judged under QCVN 40:2025
    )
    found, _ = resolve_limits("wastewater", WW, permit, AFTER, table=load_limits(tmp_path))
    cod = next(a for a in found if a.parameter == "COD")
    # QCVN 40:2025 drops Kq/Kf (regulations.md §4.2, low): the entered value applies as is.
    assert (cod.value, cod.rule, cod.regulation) == (110.0, "regulation", "QCVN 40:2025/BTNMT")


def test_missing_values_are_reported_not_guessed() -> None:
    # QCVN 22:2009 coal values NOT FOUND (§5.4): no limit, a reason for the officer.
    permit = Permit(regulation="QCVN 22:2009/BTNMT", column_class="B",
                    coefficients={"Kp": 0.8, "Kv": 1.2}, o2_ref=6)  # fmt: skip
    limits, missing = _limits("fluegas", STACK, permit, AFTER)
    assert limits == {}
    assert {m.parameter for m in missing} == {"Dust", "SO2", "NOx"}
    assert all("enter from the official text" in m.reason for m in missing)


def test_a_missing_coefficient_counts_as_one_and_is_flagged() -> None:
    permit = Permit(regulation="QCVN 40:2011", column_class="B", coefficients={"Kq": 0.9})
    cod = _limits("wastewater", WW, permit, BEFORE)[0][("COD", "1h")]
    assert cod.value == pytest.approx(135.0) and cod.low_confidence and "Kf" in cod.note


def test_air_uses_the_qcvn05_in_force() -> None:
    air = {"PM10": "µg/Nm³", "PM2.5": "µg/Nm³", "CO": "µg/Nm³"}
    old = _limits("air", air, None, date(2022, 1, 1))[0]
    new = _limits("air", air, None, date(2024, 1, 1))[0]
    assert old[("PM10", "24h")].value == 150  # QCVN 05:2013 (§3.2)
    assert new[("PM10", "24h")].value == 100  # QCVN 05:2023 (§3.1)
    assert new[("CO", "8h")].value == 10000 and ("PM2.5", "1h") not in new


COEFFICIENTS = [
    pytest.param("QCVN 40:2011", "Kq", "river", 50, 0.9, id="Kq-river-Q50-edge"),
    pytest.param("QCVN 40:2011", "Kq", "river", 50.1, 1.0, id="Kq-river-Q50.1"),
    pytest.param("QCVN 40:2011", "Kq", "river", 600, 1.2, id="Kq-river-Q600"),
    pytest.param("QCVN 40:2011", "Kq", "lake", 5e6, 0.6, id="Kq-lake-small"),
    pytest.param("QCVN 40:2011", "Kq", "coastal_other", None, 1.3, id="Kq-coastal-other"),
    pytest.param("QCVN 40:2011", "Kf", "flow", 500, 1.1, id="Kf-F500-edge"),
    pytest.param("QCVN 40:2011", "Kf", "flow", 6000, 0.9, id="Kf-F6000"),
    pytest.param("QCVN 19:2009", "Kp", "flow", 20000, 1.0, id="Kp-P20000-edge"),
    pytest.param("QCVN 19:2009", "Kp", "flow", 150000, 0.8, id="Kp-P150000"),
    pytest.param("QCVN 19:2009", "Kv", "zone5", None, 1.4, id="Kv-mountain-rural"),
    pytest.param("QCVN 22:2009", "Kp", "capacity", 600, 0.85, id="Kp-22-600MW"),
]  # regulations.md §4.1 (Kq, Kf), §5.1 (Kp, Kv), §5.4 (QCVN 22 Kp)


@pytest.mark.parametrize(("reg", "name", "category", "measure", "expected"), COEFFICIENTS)
def test_coefficient_tables(reg, name, category, measure, expected) -> None:  # type: ignore[no-untyped-def]
    band = coefficient_for(reg, name, category, measure)
    assert band is not None and band.value == expected and band.citation


def test_coefficient_product_lists_what_is_missing() -> None:
    assert coefficient_product(("Kp", "Kv"), {"Kp": 0.9, "Kv": 1.2}) == (pytest.approx(1.08), [])
    assert coefficient_product(("Kq", "Kf"), {}) == (1.0, ["Kq", "Kf"])
