"""Comparison of laboratory results with QCVN limits, table-driven; each case cites its source.

Sources: regulations.md §8.1 (QCVN 08:2023 Bảng 1 and Bảng 2), §8.2 (QCVN 09:2023 Bảng 1),
§3.1 (QCVN 05:2023 Bảng 1); noise and soil limits are not in our reference (confidence missing).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from stations.programme.catalogue import lab_catalogue, normalise_unit
from stations.programme.compare import Verdict, compare
from stations.programme.evaluate import PointInfo, StoredResult, evaluate_point
from stations.programme.limits import LimitIndex, default_index, programme_limits
from stations.timeutil import VN_OFFSET


def at(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, 9, tzinfo=VN_OFFSET).timestamp())


T2025 = at(2025, 3, 10)

# (medium, class, parameter, averaging, when, value, qualifier, verdict, source)
CASES = [
    (
        "surface_water",
        "B",
        "BOD5",
        "sample",
        T2025,
        6.0,
        "",
        "meets",
        "QCVN 08:2023 B2: BOD5 B ≤ 6 (equal meets)",
    ),
    (
        "surface_water",
        "B",
        "BOD5",
        "sample",
        T2025,
        6.01,
        "",
        "exceeds",
        "QCVN 08:2023 B2: BOD5 B ≤ 6",
    ),
    (
        "surface_water",
        "A",
        "BOD5",
        "sample",
        T2025,
        5.0,
        "",
        "exceeds",
        "QCVN 08:2023 B2: BOD5 A ≤ 4",
    ),
    (
        "surface_water",
        "C",
        "BOD5",
        "sample",
        T2025,
        9.9,
        "",
        "meets",
        "QCVN 08:2023 B2: BOD5 C ≤ 10",
    ),
    (
        "surface_water",
        "D",
        "BOD5",
        "sample",
        T2025,
        40.0,
        "",
        "no_limit",
        "QCVN 08:2023 B2: level D has no bound (> C)",
    ),
    (
        "surface_water",
        "A",
        "pH",
        "sample",
        T2025,
        6.4,
        "",
        "exceeds",
        "QCVN 08:2023 B2: pH A 6.5–8.5",
    ),
    (
        "surface_water",
        "B",
        "pH",
        "sample",
        T2025,
        6.4,
        "",
        "meets",
        "QCVN 08:2023 B2: pH B 6.0–8.5",
    ),
    (
        "surface_water",
        "B",
        "pH",
        "sample",
        T2025,
        8.6,
        "",
        "exceeds",
        "QCVN 08:2023 B2: pH B 6.0–8.5",
    ),
    (
        "surface_water",
        "B",
        "DO",
        "sample",
        T2025,
        4.9,
        "",
        "exceeds",
        "QCVN 08:2023 B2: DO B ≥ 5.0",
    ),
    (
        "surface_water",
        "C",
        "DO",
        "sample",
        T2025,
        4.0,
        "",
        "meets",
        "QCVN 08:2023 B2: DO C ≥ 4.0 (equal meets)",
    ),
    (
        "surface_water",
        "D",
        "NH4",
        "sample",
        T2025,
        0.31,
        "",
        "exceeds",
        "QCVN 08:2023 B1: NH4+ ≤ 0.3 for every level",
    ),
    (
        "surface_water",
        "A",
        "Hg",
        "sample",
        T2025,
        0.001,
        "",
        "meets",
        "QCVN 08:2023 B1: Hg ≤ 0.001",
    ),
    (
        "surface_water",
        "A",
        "Hg",
        "sample",
        T2025,
        0.002,
        "<",
        "inconclusive",
        "QCVN 08:2023 B1: Hg ≤ 0.001; DL above the limit",
    ),
    (
        "surface_water",
        "A",
        "As",
        "sample",
        T2025,
        0.001,
        "<",
        "below_detection",
        "QCVN 08:2023 B1: As ≤ 0.01; < never exceeds",
    ),
    (
        "surface_water",
        "B",
        "Coliform",
        "sample",
        T2025,
        5000,
        ">",
        "inconclusive",
        "QCVN 08:2023 B2: coliform B ≤ 5000; '>' at the limit",
    ),
    (
        "surface_water",
        "B",
        "Coliform",
        "sample",
        T2025,
        24000,
        ">",
        "exceeds",
        "QCVN 08:2023 B2: coliform B ≤ 5000; '>' above it",
    ),
    (
        "surface_water",
        "B",
        "Aldrin",
        "sample",
        T2025,
        0.15,
        "",
        "exceeds",
        "QCVN 08:2023 B1: aldrin ≤ 0.1 µg/L",
    ),
    (
        "surface_water",
        "B",
        "NO3",
        "sample",
        T2025,
        9.0,
        "",
        "no_limit",
        "QCVN 08:2023 has no NO3- limit (Bảng 1/2)",
    ),
    ("groundwater", None, "pH", "sample", T2025, 5.7, "", "exceeds", "QCVN 09:2023 B1: pH 5.8–8.5"),
    ("groundwater", None, "pH", "sample", T2025, 5.8, "", "meets", "QCVN 09:2023 B1: pH 5.8–8.5"),
    (
        "groundwater",
        None,
        "Coliform",
        "sample",
        T2025,
        4,
        "",
        "exceeds",
        "QCVN 09:2023 B1: coliform ≤ 3",
    ),
    (
        "groundwater",
        None,
        "Coliform",
        "sample",
        T2025,
        3,
        "<",
        "below_detection",
        "QCVN 09:2023 B1: coliform ≤ 3",
    ),
    ("groundwater", None, "NH4", "sample", T2025, 1.0, "", "meets", "QCVN 09:2023 B1: NH4+ ≤ 1"),
    ("ambient_air", None, "TSP", "1h", T2025, 301, "", "exceeds", "QCVN 05:2023 B1: TSP 1 h ≤ 300"),
    (
        "ambient_air",
        None,
        "TSP",
        "24h",
        T2025,
        201,
        "",
        "exceeds",
        "QCVN 05:2023 B1: TSP 24 h ≤ 200",
    ),
    (
        "ambient_air",
        None,
        "PM10",
        "1h",
        T2025,
        500,
        "",
        "no_limit",
        "QCVN 05:2023 B1: PM10 has no 1 h limit",
    ),
    (
        "ambient_air",
        None,
        "PM2.5",
        "24h",
        at(2025, 12, 31),
        48,
        "",
        "meets",
        "QCVN 05:2023 B1: PM2.5 24 h ≤ 50 until 2025-12-31",
    ),
    (
        "ambient_air",
        None,
        "PM2.5",
        "24h",
        at(2026, 1, 1),
        48,
        "",
        "exceeds",
        "QCVN 05:2023 B1: PM2.5 24 h ≤ 45 from 2026-01-01",
    ),
    (
        "ambient_air",
        None,
        "CO",
        "8h",
        T2025,
        10000,
        "",
        "meets",
        "QCVN 05:2023 B1: CO 8 h ≤ 10 000",
    ),
    (
        "noise",
        None,
        "LAeq",
        "sample",
        T2025,
        95,
        "",
        "no_limit",
        "noise limit not in our reference: confidence missing",
    ),
    (
        "soil",
        None,
        "As",
        "sample",
        T2025,
        500,
        "",
        "no_limit",
        "soil limit not in our reference: confidence missing",
    ),
]


@pytest.mark.parametrize(
    ("medium", "cls", "code", "averaging", "when", "value", "qualifier", "expected", "source"),
    CASES,
    ids=[f"{c[0]}-{c[2]}-{c[3]}-{c[5]}{c[6]}-{c[7]}" for c in CASES],
)
def test_comparison_with_the_limit_in_force(
    medium: str,
    cls: str | None,
    code: str,
    averaging: str,
    when: int,
    value: float,
    qualifier: str,
    expected: str,
    source: str,
) -> None:
    limit = default_index().select(medium, code, averaging, when, cls)
    result = compare(value, qualifier, lab_catalogue()[(code, medium)], limit)
    assert result.verdict.value == expected, source


def test_a_limit_in_another_unit_is_converted() -> None:
    # QCVN 08:2023 Bảng 1 gives aldrin in µg/L; a catalogue in mg/L must compare 0.00015 mg/L
    # as 0.15 µg/L (over 0.1). Built here with a mg/L parameter to exercise the conversion.
    from dataclasses import replace

    aldrin = lab_catalogue()[("Aldrin", "surface_water")]
    in_mg = replace(aldrin, unit="mg/L", conversions={normalise_unit("µg/L"): 0.001})
    limit = default_index().select("surface_water", "Aldrin", "sample", T2025, "B")
    result = compare(0.00015, "", in_mg, limit)
    assert result.verdict is Verdict.EXCEEDS
    assert result.high == pytest.approx(0.0001)
    assert result.ratio == pytest.approx(1.5)


def test_missing_limits_say_they_are_to_be_entered() -> None:
    limit = default_index().select("noise", "LAeq", "sample", T2025)
    assert limit is not None and limit.missing and limit.confidence == "missing"
    result = compare(70, "", lab_catalogue()[("LAeq", "noise")], limit)
    assert result.verdict is Verdict.NO_LIMIT and "department" in result.message


def test_every_programme_limit_row_names_a_catalogue_parameter() -> None:
    catalogue = lab_catalogue()
    ours = [r for r in programme_limits() if r.regulation.startswith(("QCVN 08", "QCVN 09"))]
    assert len(ours) > 40
    for row in ours + [r for r in programme_limits() if r.medium in ("noise", "soil")]:
        param = catalogue[(row.parameter, row.medium)]
        assert param.factor_from(row.unit) is not None, row
        assert row.citation and row.confidence in ("high", "medium", "low", "missing"), row


def test_a_point_exceeds_when_any_result_exceeds_and_below_detection_never_does() -> None:
    point = PointInfo("P1", "test", "surface_water", water_class="B")
    results = [
        StoredResult(1, "P1", "BOD5", T2025, "sample", 5.0, "mg/L"),
        StoredResult(1, "P1", "As", T2025, "sample", 0.05, "mg/L", qualifier="<"),
    ]
    assert evaluate_point(point, results).status == "meets"
    worse = [*results, StoredResult(1, "P1", "BOD5", T2025 + 3600, "sample", 12.0, "mg/L")]
    outcome = evaluate_point(point, worse)
    assert outcome.status == "exceeds"
    assert [e.result.parameter for e in outcome.exceedances] == ["BOD5"]
    assert outcome.by_parameter["BOD5"].result.value == 12.0  # the worst sample stands
    assert (
        evaluate_point(
            PointInfo("N", "n", "noise"),
            [StoredResult(1, "N", "LAeq", T2025, "sample", 80.0, "dBA")],
        ).status
        == "no_limit"
    )
    assert evaluate_point(point, []).status == "no_data"


def test_class_rows_win_over_rows_for_every_class() -> None:
    index = LimitIndex.build(programme_limits())
    row = index.select("surface_water", "DO", "sample", T2025, "A")
    assert row is not None and row.column_class == "A" and row.low == 6.0
    assert index.select("surface_water", "DO", "sample", T2025, None) is None
