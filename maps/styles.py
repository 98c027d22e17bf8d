"""Colour tables of the staff map: station states, VN_AQI categories, hazard levels, point results.

Every colour the map draws comes from here; the browser receives these tables in the page
configuration, so the legend and the markers can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from layers import levels


@dataclass(frozen=True, slots=True)
class Swatch:
    """One legend class: a key the data carries, its colour and its labels."""

    key: str
    colour: str
    label_vi: str
    label_en: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for the page configuration."""
        return asdict(self)


# Station state: what the operator must look at first comes first. Offline and "no data" are
# grey (nothing to judge); calibration/error (device status 01/02 under TT 10/2021) is violet so it
# cannot be mistaken for a compliance colour.
STATION_STATES: tuple[Swatch, ...] = (
    Swatch("exceeding", "#d7191c", "Vượt quy chuẩn", "Exceeding the limit"),
    Swatch("near_limit", "#fdae61", "Gần ngưỡng (≥ 80 %)", "Near the limit (≥ 80 %)"),
    Swatch("compliant", "#1a9641", "Đạt quy chuẩn", "Compliant"),
    # A parameter's applicable limit has no value yet (e.g. QCVN 40:2025): never shown as green.
    Swatch(
        "limit_missing",
        "#a6761d",
        "Chưa đánh giá: thiếu giá trị giới hạn",
        "Not assessed: limit missing",
    ),
    Swatch("unassessed", "#4a90c2", "Có dữ liệu, chưa đánh giá", "Reporting, not yet assessed"),
    Swatch("fault", "#7b3294", "Hiệu chuẩn / lỗi thiết bị", "Calibrating / device error"),
    Swatch("offline", "#8c8c8c", "Mất kết nối / chưa có dữ liệu", "Offline / no data"),
)

# Drawing order of station markers, worst on top: a marker later in this tuple is never drawn
# over one earlier (the duty officer must see an exceedance even where markers overlap at low
# zoom). A state missing here is drawn just above "offline".
STATION_STATE_ORDER: tuple[str, ...] = (
    "exceeding",
    "near_limit",
    "fault",
    "limit_missing",
    "unassessed",
    "compliant",
    "offline",
)

# VN_AQI categories, QĐ 1459/QĐ-TCMT (2019) Bảng 1: upper bound of the class and its RGB colour.
AQI_CATEGORIES: tuple[tuple[int, Swatch], ...] = (
    (50, Swatch("good", "#00e400", "Tốt", "Good")),
    (100, Swatch("moderate", "#ffff00", "Trung bình", "Moderate")),
    (150, Swatch("poor", "#ff7e00", "Kém", "Poor")),
    (200, Swatch("bad", "#ff0000", "Xấu", "Bad")),
    (300, Swatch("very_bad", "#8f3f97", "Rất xấu", "Very bad")),
    (10_000, Swatch("hazardous", "#7e0023", "Nguy hại", "Hazardous")),
)

# Result of a monitoring point's latest sampling round against its QCVN.
POINT_RESULTS: tuple[Swatch, ...] = (
    Swatch("exceeding", "#d7191c", "Có chỉ tiêu vượt QCVN", "Some parameter above QCVN"),
    Swatch("near_limit", "#fdae61", "Gần ngưỡng QCVN", "Near the QCVN limit"),
    Swatch("compliant", "#1a9641", "Đạt QCVN", "Within QCVN"),
    Swatch(
        "no_limit",
        "#80b1d3",
        "Có kết quả, không có giới hạn so sánh",
        "Results, no limit to compare",
    ),
    Swatch("no_result", "#bdbdbd", "Chưa có kết quả", "No result yet"),
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
