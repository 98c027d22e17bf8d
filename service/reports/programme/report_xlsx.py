"""Render a round report as an XLSX workbook (openpyxl), charts included as pictures."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Font, PatternFill

from stations.csvsafe import safe_row
from stations.programme.evaluate import PointRound

SUMMARY_COLUMNS = (
    ("medium", "Thành phần / medium"),
    ("points", "Số điểm / points"),
    ("meets", "Đạt / meets"),
    ("exceeds", "Vượt / exceeds"),
    ("no_limit", "Chưa có giới hạn / no limit"),
    ("share_meeting", "% đạt / share meeting"),
    ("previous_share", "% đạt đợt trước / previous share"),
    ("change", "Thay đổi / change (pp)"),
    ("limits_missing", "Kết quả thiếu giá trị giới hạn / results, limit missing"),
)
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="ECEFF1")


def _formula(report: dict[str, Any]) -> str:
    formula = (report.get("wqi_method") or {}).get("formula") or {}
    return f"{formula.get('key', '')}: {formula.get('expression', '')}"


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> Any:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = _BOLD, _HEAD
    for row in rows:
        ws.append(safe_row(row))
    for i, name in enumerate(header):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(60, max(12, len(name)))
    ws.freeze_panes = "A2"
    return ws


def _picture(ws: Any, png: bytes, anchor: str) -> None:
    image = Image(io.BytesIO(png))
    ws.add_image(image, anchor)


def render_xlsx(
    report: dict[str, Any],
    evaluations: list[PointRound],
    generated: str,
    pngs: dict[str, bytes] | None = None,
) -> bytes:
    """Sheets: tong_hop (summary), theo_thong_so, theo_xa, wqi, can_theo_doi, ket_qua."""
    wb = Workbook()
    ws = wb.active
    ws.title = "tong_hop"
    ws.append(
        [f"Báo cáo quan trắc định kỳ {report['round']['label']} / round {report['round']['key']}"]
    )
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([f"Lập lúc / generated {generated}"])
    ws.append(["DỮ LIỆU GIẢ LẬP / SYNTHETIC DATA" if report["synthetic"] else ""])
    ws.append([label for _, label in SUMMARY_COLUMNS])
    for cell in ws[4]:
        cell.font, cell.fill = _BOLD, _HEAD
    for m in report["media"]:
        ws.append(safe_row(m[key] for key, _ in SUMMARY_COLUMNS))
    for col in "ABCDEFGH":
        ws.column_dimensions[col].width = 18
    if pngs:
        _picture(ws, pngs["share"], f"A{ws.max_row + 3}")
    by_param = _sheet(
        wb,
        "theo_thong_so",
        ["Thành phần / medium", "Thông số / parameter", "Tên / name", "Điểm vượt / points"],
        [
            [p["medium"], p["parameter"], p["name_vi"], p["points"]]
            for p in report["exceedances_by_parameter"]
        ],
    )
    if pngs:
        _picture(by_param, pngs["parameters"], "F2")
    by_commune = _sheet(
        wb,
        "theo_xa",
        ["Xã, phường / commune", "Điểm vượt / exceeding", "Điểm lấy mẫu / sampled"],
        [
            [c["commune"], c["points_exceeding"], c["points_sampled"]]
            for c in report["exceedances_by_commune"]
        ],
    )
    if pngs:
        _picture(by_commune, pngs["communes"], "E2")
    wqi = _sheet(
        wb,
        "wqi",
        [
            "Điểm / point",
            "Tên / name",
            "Kinh độ / lon",
            "Vĩ độ / lat",
            "VN_WQI",
            "Mức / class",
            "Màu / colour",
            "Hàng độ tin cậy thấp / low-confidence rows",
            "Công thức / formula",
        ],
        [
            [
                *(p[k] for k in ("point_id", "name", "lon", "lat", "wqi", "class", "colour")),
                ", ".join(p.get("low_confidence_rows", [])),
                _formula(report),
            ]
            for p in report["wqi_points"]
        ],
    )
    for row in range(2, wqi.max_row + 1):
        colour = str(wqi.cell(row, 7).value or "").lstrip("#")
        if colour:
            wqi.cell(row, 6).fill = PatternFill("solid", fgColor=colour)
    if pngs:
        _picture(wqi, pngs["wqi_map"], "K2")
    _sheet(
        wb,
        "can_theo_doi",
        [
            "Điểm / point",
            "Tên / name",
            "Thành phần / medium",
            "Xã / commune",
            "Số thông số vượt / exceedances",
            "Tỷ lệ lớn nhất / max ratio",
            "VN_WQI",
            "Lặp lại / repeat",
            "Lý do / reasons",
        ],
        [
            [
                f["point_id"],
                f["name"],
                f["medium"],
                f["commune"],
                f["exceedances"],
                f["max_ratio"],
                f["wqi"],
                "x" if f["repeat"] else "",
                f["reasons"],
            ]
            for f in report["follow_up"]
        ],
    )
    rows = []
    for e in evaluations:
        for code, ev in sorted(e.by_parameter.items()):
            d = ev.as_dict()
            rows.append(
                [
                    e.point.id,
                    e.point.medium,
                    code,
                    d["qualifier"],
                    d["value"],
                    d["unit"],
                    d["averaging"],
                    d["limit"],
                    d["ratio"],
                    d["verdict"],
                    d["regulation"],
                    d["confidence"],
                    d["sampled_at"],
                ]
            )
    _sheet(
        wb,
        "ket_qua",
        [
            "Điểm / point",
            "Thành phần / medium",
            "Thông số / parameter",
            "Dấu / qualifier",
            "Giá trị / value",
            "Đơn vị / unit",
            "Trung bình / averaging",
            "Giới hạn / limit",
            "Tỷ lệ / ratio",
            "Đánh giá / verdict",
            "Quy chuẩn / regulation",
            "Độ tin cậy / confidence",
            "Lấy mẫu / sampled at",
        ],
        rows,
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
