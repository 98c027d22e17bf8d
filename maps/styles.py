"""Colour tables of the staff map: station states, VN_AQI categories, hazard levels, point results.

Every colour the map draws comes from here; the browser receives these tables in the page
configuration, so the legend and the markers can never disagree.
"""

from __future__ import annotations

import math
from typing import Any

from layers import levels
from layers.legend import POINT_RESULTS, STATION_STATE_ORDER, STATION_STATES, Swatch

# The marker legends live in layers.legend (QGIS styles of exports use them too); re-exported.
__all__ = [
    "AQI_CATEGORIES",
    "COMMUNE_STYLE",
    "POINT_RESULTS",
    "PROVINCE_STYLE",
    "STATION_STATES",
    "STATION_STATE_ORDER",
    "Swatch",
    "aqi_swatch",
    "style_tables",
    "zone_levels",
]

# VN_AQI categories, QĐ 1459/QĐ-TCMT (2019) Bảng 1: upper bound of the class and its RGB colour.
AQI_CATEGORIES: tuple[tuple[int, Swatch], ...] = (
    (50, Swatch("good", "#00e400", "Tốt", "Good")),
    (100, Swatch("moderate", "#ffff00", "Trung bình", "Moderate")),
    (150, Swatch("poor", "#ff7e00", "Kém", "Poor")),
    (200, Swatch("bad", "#ff0000", "Xấu", "Bad")),
    (300, Swatch("very_bad", "#8f3f97", "Rất xấu", "Very bad")),
    (10_000, Swatch("hazardous", "#7e0023", "Nguy hại", "Hazardous")),
)

COMMUNE_STYLE: dict[str, Any] = {"color": "#555555", "weight": 1, "fill": False, "opacity": 0.7}
PROVINCE_STYLE: dict[str, Any] = {"color": "#222222", "weight": 2.5, "fill": False}


def aqi_swatch(value: float | None) -> Swatch | None:
    """The VN_AQI category of an AQI value (rounded to an integer first), None when missing."""
    if value is None:
        return None
    rounded = math.floor(value + 0.5)  # half up, as the page script's Math.round
    for upper, swatch in AQI_CATEGORIES:
        if rounded <= upper:
            return swatch
    return AQI_CATEGORIES[-1][1]


def zone_levels() -> list[dict[str, Any]]:
    """Hazard-zone classes 1–5 with labels and colours, from the layers package (one source).

    The colours are those of QĐ 18/2021/QĐ-TTg Điều 4 in order (see :mod:`layers.levels`).
    """
    return [{**row, "key": str(row["value"])} for row in levels.legend()]


def style_tables() -> dict[str, Any]:
    """Every table above in JSON-ready form, for the page configuration."""
    return {
        "station_states": [s.as_dict() for s in STATION_STATES],
        "aqi": [{"max": upper, **s.as_dict()} for upper, s in AQI_CATEGORIES],
        "zone_levels": zone_levels(),
        "point_results": [s.as_dict() for s in POINT_RESULTS],
        "commune": COMMUNE_STYLE,
        "province": PROVINCE_STYLE,
    }
