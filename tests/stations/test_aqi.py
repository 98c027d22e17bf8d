"""VN_AQI per QĐ 1459/QĐ-TCMT (regulations.md §6): NowCast, breakpoints, worked examples."""

from __future__ import annotations

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stations.aqi import (
    DATA_DIR,
    category_of,
    daily_aqi,
    hourly_aqi,
    nowcast,
    round_half_up,
    sub_index,
)

# QĐ 1459 §2.3 a: PM2.5 hourly means 09:00 … 20:00; c1 is 20:00.
PM25_0900_TO_2000 = [26.9, 24.7, 20.5, 23.5, 19.5, 16.5, 19.0, 16.5, 20.3, 22.4, 19.6, 20.6]


def test_nowcast_worked_example() -> None:
    # w* = 16.5 / 26.9 = 0.61 > 0.5 → NowCast = 20.3 µg/m³ (QĐ 1459 §2.3 a).
    assert round(nowcast(PM25_0900_TO_2000[::-1]), 1) == 20.3


NOWCAST_CASES = [
    pytest.param([10.0, None, None], None, id="only-c1-no-nowcast"),
    pytest.param([None, 10.0, 10.0], 10.0, id="c2-c3-enough"),
    pytest.param([10.0, 10.0] + [None] * 10, 10.0, id="two-hours-constant"),
    pytest.param([40.0, 10.0] + [10.0] * 10, 25.0, id="w-half-normalised"),
    pytest.param([0.0, 0.0, 0.0], 0.0, id="all-zero"),
]  # rule: at least 2 of c1..c3 (QĐ 1459 §2.2.1 a)


@pytest.mark.parametrize(("values", "expected"), NOWCAST_CASES)
def test_nowcast_rules(values: list[float | None], expected: float | None) -> None:
    result = nowcast(values)
    assert (result if result is None else round(result, 2)) == expected


def _edges() -> list[pytest.param]:
    with (DATA_DIR / "aqi_breakpoints.csv").open(encoding="utf-8", newline="") as fh:
        return [
            pytest.param(
                r["key"],
                float(r["concentration"]),
                int(r["index_value"]),
                id=f"{r['key']}-BP{r['i']}-{r['concentration']}",
            )
            for r in csv.DictReader(fh)
        ]


@pytest.mark.parametrize(("key", "concentration", "index"), _edges())
def test_every_breakpoint_edge(key: str, concentration: float, index: int) -> None:
    # QĐ 1459 Bảng 2: at BP_i the sub-index is I_i; just above it the next segment starts.
    assert sub_index(key, concentration) == pytest.approx(index)
    above = sub_index(key, concentration + 0.01)
    assert above is not None and above >= index


def test_hourly_worked_example() -> None:
    # QĐ 1459 §2.3 b: O3 136.1 → 43; NO2 118.7 → 59.35 (printed 60, a rounding slip noted in
    # regulations.md §6); PM2.5 NowCast 20.3 → 41.
    result = hourly_aqi({"O3": [136.1], "NO2": [118.7], "PM2.5": [20.3, 20.3, 20.3]})
    assert result is not None
    assert result.sub_indices == {"O3": 43, "NO2": 59, "PM2.5": 41}
    assert (result.aqi, result.dominant) == (59, "NO2")


def test_daily_worked_example() -> None:
    # QĐ 1459 §2.3 c: O3 8h 89.3 → 45, O3 1h 114.6 → 36, NO2 130.8 → 65, PM2.5 55.7 → 110.
    result = daily_aqi({"PM2.5": [55.7] * 24, "NO2": [130.8], "O3": [114.6]}, o3_8h_max=89.3)
    assert result is not None
    assert result.sub_indices == {"PM2.5": 110, "O3": 45, "NO2": 65}
    assert (result.aqi, result.dominant, result.category.label_vi) == (110, "PM2.5", "Kém")


def test_daily_o3_8h_above_400_uses_only_the_hourly_value() -> None:
    # QĐ 1459 §2.2.2 b: no 8-h O3 sub-index above 400 µg/m³.
    result = daily_aqi({"PM10": [20.0] * 24, "O3": [300.0]}, o3_8h_max=450.0)
    assert result is not None and result.sub_indices["O3"] == 150


def test_pm_is_mandatory() -> None:
    assert hourly_aqi({"NO2": [150.0], "O3": [100.0]}) is None  # QĐ 1459 §2.1 b


CATEGORIES = [
    pytest.param(0, "Tốt", "#00e400", id="0"),
    pytest.param(50, "Tốt", "#00e400", id="50"),
    pytest.param(51, "Trung bình", "#ffff00", id="51"),
    pytest.param(100, "Trung bình", "#ffff00", id="100"),
    pytest.param(101, "Kém", "#ff7e00", id="101"),
    pytest.param(150, "Kém", "#ff7e00", id="150"),
    pytest.param(151, "Xấu", "#ff0000", id="151"),
    pytest.param(200, "Xấu", "#ff0000", id="200"),
    pytest.param(201, "Rất xấu", "#8f3f97", id="201"),
    pytest.param(300, "Rất xấu", "#8f3f97", id="300"),
    pytest.param(301, "Nguy hại", "#7e0023", id="301"),
    pytest.param(500, "Nguy hại", "#7e0023", id="500"),
]  # QĐ 1459 Bảng 1 with its RGB codes


@pytest.mark.parametrize(("aqi", "label", "colour"), CATEGORIES)
def test_category_edges(aqi: int, label: str, colour: str) -> None:
    cat = category_of(aqi)
    assert (cat.label_vi, cat.hex) == (label, colour)


def test_round_half_up() -> None:
    assert [round_half_up(x) for x in (44.65, 109.5, 40.6, 59.35)] == [45, 110, 41, 59]


concentration = st.floats(min_value=0, max_value=2000, allow_nan=False)


@given(st.sampled_from(["PM2.5", "PM10", "O3", "NO2", "SO2", "CO"]), concentration, concentration)
def test_aqi_never_decreases_when_a_concentration_rises(param: str, a: float, b: float) -> None:
    low, high = sorted((a, b))
    scale = 100.0 if param == "CO" else 1.0
    assert sub_index(param, high * scale) >= sub_index(param, low * scale)  # type: ignore[operator]


@given(st.lists(concentration, min_size=12, max_size=12), st.floats(1.0, 5.0))
def test_hourly_aqi_never_decreases_when_every_hour_rises(values: list[float], k: float) -> None:
    # Scaling all 12 hours keeps w, so the NowCast scales with them.
    before = hourly_aqi({"PM2.5": values, "PM10": values})
    after = hourly_aqi({"PM2.5": [v * k for v in values], "PM10": [v * k for v in values]})
    assert before is not None and after is not None
    assert after.aqi >= before.aqi


def test_nowcast_weights_can_drop_when_an_old_hour_rises() -> None:
    # Documented property of the formula, not a bug: a higher old hour lowers w = Cmin/Cmax and
    # shifts weight to the (lower) current hour.
    values = [15.0] + [20.0] * 11
    raised = [*values[:-1], 30.0]
    assert nowcast(raised) < nowcast(values)  # type: ignore[operator]
