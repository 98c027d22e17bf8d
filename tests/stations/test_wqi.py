"""VN_WQI (QĐ 1460/QĐ-TCMT): sub-indices, formula, classes; each case cites its source.

Source of every breakpoint: regulations.md §7 (QĐ 1460 via tapchimoitruong.vn, thiennhien.net,
vienthuysan2.org.vn; sub-index tables medium/low confidence). Our documented choices where the
rule is uncertain (docs/programme.md, "VN_WQI choices") are tested as such.
"""

from __future__ import annotations

import csv

import pytest

from stations.programme.wqi import (
    WQI_DIR,
    classify,
    compute_wqi,
    do_saturation,
    sub_index,
    subindex_tables,
)
from stations.programme.wqi_formula import configure_wqi_formula

# (parameter, value, expected q, source)
SUB_INDEX_CASES = [
    ("pH", 5.4, 10, "§7 pH: < 5.5 → 10"),
    ("pH", 5.5, 50, "§7 pH: 5.5–6 linear 50 → 100"),
    ("pH", 5.75, 75, "§7 pH: 5.5–6 linear 50 → 100 (midpoint)"),
    ("pH", 7.0, 100, "§7 pH: 6–8.5 → 100"),
    ("pH", 8.75, 75, "§7 pH: 8.5–9 linear 100 → 50 (midpoint)"),
    ("pH", 9.1, 10, "§7 pH: > 9 → 10"),
    ("BOD5", 3.0, 100, "§7 BOD5 breakpoints 4, 6, 15, 25, 50; below the first → 100"),
    ("BOD5", 5.0, 87.5, "§7 BOD5: 4→100, 6→75, linear"),
    ("BOD5", 15.0, 50, "§7 BOD5: 15 → 50"),
    ("BOD5", 60.0, 10, "§7 BOD5: above 50 → 10"),
    ("COD", 40.0, 37.5, "§7 COD 10, 15, 30, 50, 150: 30→50, 50→25, linear"),
    ("NO3", 12.5, 37.5, "§7 N-NO3 2, 5, 10, 15: 10→50, 15→25"),
    ("NO2", 0.05, 100, "§7 N-NO2 single threshold 0.05"),
    ("NO2", 0.051, 10, "§7 N-NO2 above the threshold → 10 (our choice)"),
    ("PO4", 0.25, 62.5, "§7 P-PO4 0.1, 0.2, 0.3, 0.5, 4"),
    ("Coliform", 6250, 62.5, "§7 coliform 2500, 5000, 7500, 10000"),
    ("Coliform", 12000, 10, "§7 coliform above 10000 → 10"),
    ("E.coli", 150, 37.5, "§7 E. coli 20, 50, 100, 200"),
    ("NH4", 0.45, 75, "§7 N-NH4 0.3, 0.6, 0.9, 5 with our q mapping 100, 50, 25, 10"),
    ("Aldrin", 0.1, 100, "§7 pesticides: ≤ limit → 100 (limit = QCVN 08:2023 B1 0.1 µg/L)"),
    ("Aldrin", 0.11, 10, "§7 pesticides: > limit → 10"),
    ("As", 0.035, 62.5, "§7 metals As 0.01, 0.02, 0.05, 0.1"),
    ("DO_sat", 100, 100, "§7 DO%: 88–112 → 100"),
    ("DO_sat", 62.5, 62.5, "§7 DO%: 50→50, 75→75"),
    ("DO_sat", 137.5, 62.5, "§7 DO%: 125→75, 150→50"),
    ("DO_sat", 15, 10, "§7 DO%: outside [20, 200] → 10"),
    ("DO_sat", 210, 10, "§7 DO%: outside [20, 200] → 10"),
]


@pytest.mark.parametrize(
    ("code", "value", "expected", "source"),
    SUB_INDEX_CASES,
    ids=[f"{c[0]}={c[1]}" for c in SUB_INDEX_CASES],
)
def test_sub_index(code: str, value: float, expected: float, source: str) -> None:
    assert sub_index(value, subindex_tables()[code]) == pytest.approx(expected), source


@pytest.mark.parametrize(
    ("temp", "expected"),
    [(0, 14.652), (20, 9.022), (25, 8.176)],
    ids=["0C", "20C", "25C"],
)
def test_do_saturation(temp: float, expected: float) -> None:
    # §7: DO_sat = 14.652 − 0.41022T + 0.0079910T² − 0.000077774T³ (values computed by hand)
    assert do_saturation(temp) == pytest.approx(expected, abs=0.001)


# (WQI, class code, source)
CLASS_CASES = [
    (100, "very_good", "§7: 91–100 Rất tốt, 51;51;255"),
    (91, "very_good", "§7: 91–100"),
    (90, "good", "§7: 76–90 Tốt"),
    (76, "good", "§7: 76–90"),
    (75, "medium", "§7: 51–75 Trung bình"),
    (51, "medium", "§7: 51–75"),
    (50, "poor", "§7: 26–50 Xấu"),
    (26, "poor", "§7: 26–50"),
    (25, "bad", "§7: 10–25 Kém"),
    (10, "bad", "§7: 10–25"),
    (9, "very_bad", "§7: < 10 Ô nhiễm rất nặng"),
    (0, "very_bad", "§7: < 10"),
]


@pytest.mark.parametrize(
    ("wqi", "code", "source"), CLASS_CASES, ids=[str(c[0]) for c in CLASS_CASES]
)
def test_classes(wqi: int, code: str, source: str) -> None:
    assert classify(wqi).code == code, source


def test_class_colours_are_the_six_of_qd_1460() -> None:
    # §7 table: RGB 51;51;255 / 0;228;0 / 255;255;0 / 255;126;0 / 255;0;0 / 126;0;35
    assert [classify(v).hex for v in (95, 80, 60, 40, 15, 5)] == [
        "#3333FF",
        "#00E400",
        "#FFFF00",
        "#FF7E00",
        "#FF0000",
        "#7E0023",
    ]


CLEAN = {"pH": 7.0, "BOD5": 3.0, "COD": 8.0, "NH4": 0.1, "PO4": 0.05, "Coliform": 2000}

# (values, expected WQI or None, source / choice)
WQI_CASES = [
    (CLEAN, 100, "all sub-indices 100 → 100"),
    (
        {**CLEAN, "BOD5": 15.0},
        91,
        "core = (mean_IV² × mean_V)^(1/3) = (87.5² × 100)^(1/3) = 91.5 → 91",
    ),
    ({**CLEAN, "pH": 5.75}, 75, "group I factor 75/100 multiplies the core"),
    (
        {**CLEAN, "As": 0.035, "Pb": 0.01},
        79,
        "group III geometric mean: √(0.625 × 1) = 0.7906 → 79",
    ),
    (
        {**{k: v for k, v in CLEAN.items() if k != "Coliform"}, "BOD5": 15.0, "As": 0.005},
        88,
        "no group V: core = mean IV = 87.5 (choice 2) → 88 (half up, choice 6)",
    ),
    (
        {"pH": 7.0, "BOD5": 3.0, "COD": 8.0, "Coliform": 100},
        None,
        "group IV needs ≥ 3 parameters (choice 3)",
    ),
    ({"BOD5": 3.0, "COD": 8.0, "NH4": 0.1, "Coliform": 100}, None, "needs ≥ 3 groups (choice 3)"),
    (
        {**CLEAN, "pH": 4.0, "As": 0.5},
        1,
        "pH 10 and As 10 → 0.1 × 0.1 × 100 = 1: very heavily polluted",
    ),
]


@pytest.mark.parametrize(
    ("values", "expected", "source"), WQI_CASES, ids=[c[2][:40] for c in WQI_CASES]
)
def test_vn_wqi(values: dict[str, float], expected: int | None, source: str) -> None:
    assert compute_wqi(values).value == expected, source


def test_do_needs_the_water_temperature() -> None:
    # Choice 4: DO enters as % saturation; 8.176 mg/L at 25 °C is 100 % → q 100.
    with_temp = compute_wqi({**CLEAN, "DO": 8.176, "Temp": 25.0})
    assert with_temp.sub_indices["DO"] == pytest.approx(100)
    without = compute_wqi({**CLEAN, "DO": 8.176})
    assert "DO" not in without.sub_indices and "temperature" in without.reason
    assert without.value == 100


# --- aggregation formula as a cited setting (regulations-2026-12.md §5.3) -----------------------
# pH 7 → 100 (group I); BOD5 4, COD 10, NH4 0.3 → 100 each (group IV, on their first breakpoint);
# coliform 5000 → 75 (group V). cube root: (100²·75)^(1/3) = 90.86 → 91;
# square root: (100·75)^(1/2) = 86.60 → 87.
FORMULA_SAMPLE = {"pH": 7.0, "BOD5": 4.0, "COD": 10.0, "NH4": 0.3, "Coliform": 5000.0}


@pytest.mark.parametrize(("formula", "expected"), [("cube_root", 91), ("square_root", 87)])
def test_the_aggregation_formula_is_a_named_choice(formula: str, expected: int) -> None:
    result = compute_wqi(FORMULA_SAMPLE, formula=formula)
    assert result.value == expected and result.formula == formula
    method = result.method()
    assert (
        method["formula"]["key"] == formula
        and "regulations-2026-12.md" in method["formula"]["citation"]
    )
    assert method["low_confidence_rows"] == ["NH4"]  # NH4 disagrees with 4 implementations


def test_the_configured_formula_is_used_and_unknown_ones_refused() -> None:
    try:
        configure_wqi_formula("square_root")
        assert compute_wqi(FORMULA_SAMPLE).value == 87
        with pytest.raises(ValueError, match="cube_root, square_root"):
            configure_wqi_formula("arithmetic")
    finally:
        configure_wqi_formula("cube_root")
    assert compute_wqi(FORMULA_SAMPLE).value == 91


def test_disagreeing_rows_are_low_confidence_with_their_alternatives() -> None:
    tables = subindex_tables()
    for code in ("NH4", "Cd", "Pb", "Hg", "Cu", "Zn", "Cr6"):
        assert tables[code].confidence == "low"
    with (WQI_DIR / "subindex.csv").open(encoding="utf-8") as fh:
        notes = {r["parameter"]: r["note"] for r in csv.DictReader(fh)}
    assert "0.3 → 75" in notes["NH4"] and "2.0 → 10" in notes["Cu"]
    assert all("regulations-2026-12.md §5.3" in notes[c] for c in ("Cd", "Pb", "Hg", "Zn", "Cr6"))
