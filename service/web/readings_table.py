"""A station's readings as a table people open in Excel: CSV (UTF-8 with BOM) or XLSX.

Built from the readings API's JSON body (one source for what is read and how it is judged), in
long form: one row per parameter and time. Headers are Vietnamese with the English beside
them, the unit has its own column, times are local (the display time zone, as the API's).
"""

from __future__ import annotations

import csv
import io
from typing import Any

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
COMMON = [
    ("station", "Trạm (station)"),
    ("parameter", "Mã thông số (parameter)"),
    ("name", "Thông số (name)"),
    ("unit", "Đơn vị (unit)"),
    ("time", "Thời gian, giờ địa phương (local time)"),
]
RAW = [
    ("value", "Giá trị (value)"),
    ("status", "Trạng thái thiết bị (device status)"),
    ("flags", "Cờ kiểm tra QC (QC flags)"),
    ("valid", "Hợp lệ (valid)"),
]
MEANS = [
    ("mean", "Trung bình (mean)"),
    ("min", "Nhỏ nhất (min)"),
    ("max", "Lớn nhất (max)"),
    ("n_valid", "Số giá trị hợp lệ (valid values)"),
    ("n_total", "Tổng số giá trị (values)"),
]
# TT 10/2021/TT-BTNMT device status codes, as the datalogger sends them.
STATUS = {"00": "00 đo / measuring", "01": "01 hiệu chuẩn / calibrating", "02": "02 lỗi / error"}


def columns(interval: str) -> list[tuple[str, str]]:
    """(key, header) of the table for ``interval`` raw | hour | day."""
    return COMMON + (RAW if interval == "raw" else MEANS)


def table_rows(body: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict per parameter and time, keyed as :func:`columns`."""
    rows = []
    for series in body["series"]:
        for point in series["points"]:
            row = {
                "station": body["station_id"],
                "parameter": series["parameter"],
                "name": series["name_vi"],
                "unit": series["unit"] or "",
                "time": point["time"][:16].replace("T", " "),  # 2026-11-20 08:00, local
                **{k: point.get(k) for k, _ in MEANS},
            }
            if body["interval"] == "raw":
                row["value"] = point["value"]
                row["status"] = STATUS.get(point["status"], point["status"] or "")
                row["flags"] = ", ".join(point["flags"])
                row["valid"] = "có / yes" if point["valid"] else "không / no"
            rows.append(row)
    return rows


def filename(body: dict[str, Any], fmt: str) -> str:
    """``LS_XMDB_KHI01_hour_2026-11-13_2026-11-20.csv``."""
    return f"{body['station_id']}_{body['interval']}_{body['start'][:10]}_{body['end'][:10]}.{fmt}"


def render(body: dict[str, Any], fmt: str) -> bytes:
    """The table as CSV or XLSX bytes."""
    cols = columns(body["interval"])
    rows = table_rows(body)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([h for _, h in cols])
        writer.writerows([["" if r.get(k) is None else r.get(k) for k, _ in cols] for r in rows])
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel then reads UTF-8
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "so_lieu"
    sheet.append([h for _, h in cols])
    for r in rows:
        sheet.append([r.get(k) for k, _ in cols])
    sheet.freeze_panes = "A2"
    for letter, (_key, header) in zip("ABCDEFGHIJ", cols, strict=False):
        sheet.column_dimensions[letter].width = max(12, min(40, len(header) + 2))
    meta = book.create_sheet("thong_tin")
    for key in ("station_id", "interval", "start", "end"):
        meta.append([key, body[key]])
    meta.append(["time zone", "giờ địa phương (UTC+7) / local time"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
