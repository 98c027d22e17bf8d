"""Legend classes of the station and monitoring-point markers: key, colour and labels.

One source for every drawing of these markers: the web map (maps/styles.py hands them to the
browser) and the QGIS styles shipped in exports (layers/gis_marker_styles.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
