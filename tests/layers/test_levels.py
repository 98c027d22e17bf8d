"""Levels: five classes with QĐ 18/2021 colours and the source value -> level rule."""

from __future__ import annotations

import pytest

from layers.errors import BadQuery
from layers.levels import LEVELS, LevelMap, legend, parse_level_map


@pytest.mark.parametrize(
    ("spec", "value", "level"),
    [
        pytest.param(None, 5, 5, id="default-integer"),
        pytest.param(None, "3", 3, id="default-text-digit"),
        pytest.param(None, 2.0, 2, id="default-float-class"),
        pytest.param(None, "Rất cao", 5, id="vietnamese-label"),
        pytest.param(None, "rat cao", 5, id="label-without-diacritics"),
        pytest.param(None, "VERY_LOW", 1, id="english-label"),
        pytest.param(None, 7, None, id="out-of-range"),
        pytest.param("1=5,2=4,3=3", 1, 5, id="explicit-inverted"),
        pytest.param("1=5,2=4,3=3", 4, None, id="explicit-missing"),
        pytest.param("breaks:0.01,0.5,1,2,3", 0.0, None, id="depth-dry-is-no-zone"),
        pytest.param("breaks:0.01,0.5,1,2,3", 0.2, 1, id="depth-shallow"),
        pytest.param("breaks:0.01,0.5,1,2,3", 1.0, 3, id="depth-on-break"),
        pytest.param("breaks:0.01,0.5,1,2,3", 7.5, 5, id="depth-deep"),
    ],
)
def test_level_mapping(spec: str | None, value: object, level: int | None) -> None:
    assert parse_level_map(spec).level_of(value) == level


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param("1=9", id="level-out-of-range"),
        pytest.param("1:5", id="no-equals"),
        pytest.param("breaks:4,3,2,1,0", id="breaks-descending"),
        pytest.param("breaks:0.5,1,2,3", id="breaks-four-no-longer-enough"),
        pytest.param("breaks:1,2", id="breaks-too-few"),
        pytest.param("breaks:a,b,c,d", id="breaks-not-numbers"),
    ],
)
def test_bad_level_maps_are_refused(spec: str) -> None:
    with pytest.raises(BadQuery):
        parse_level_map(spec)


def test_colours_follow_decision_18_order() -> None:
    names = [LEVELS[i].colour_name_vi for i in range(1, 6)]
    assert names == ["xanh dương nhạt", "vàng nhạt", "da cam", "đỏ", "tím"]
    assert [row["value"] for row in legend()] == [1, 2, 3, 4, 5]
    assert LevelMap().as_json() == {"values": {}, "breaks": []}


@pytest.mark.parametrize(
    ("value", "no_zone"),
    [(0.0, True), ("0", True), (0.01, False), (5, False), ("sâu", False), (None, False)],
)
def test_below_the_first_break_is_no_zone_not_a_bad_value(value: object, no_zone: bool) -> None:
    """A vector feature below the first break is skipped; a non-number is still refused."""
    assert parse_level_map("breaks:0.01,0.5,1,2,3").no_zone(value) is no_zone
