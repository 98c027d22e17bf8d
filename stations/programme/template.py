"""The laboratory results template (CSV and XLSX): columns, guide, and the files themselves.

One row per result. The header row holds the column codes below (case-insensitive); the XLSX
file adds a guide sheet, the parameter catalogue and, when given, the list of points.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from stations.csvsafe import safe_row
from stations.programme.catalogue import lab_catalogue


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    """One template column with its Vietnamese and English descriptions."""

    code: str
    required: bool
    vi: str
    en: str
    example: str


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("year", True, "Năm của đợt quan trắc", "Year of the round", "2025"),
    TemplateColumn(
        "round", True, "Số thứ tự đợt trong năm (1 hoặc 2)", "Round number (1 or 2)", "1"
    ),
    TemplateColumn("point_id", True, "Mã điểm quan trắc", "Monitoring point id", "LS-NM-001"),
    TemplateColumn(
        "sampled_at",
        True,
        "Thời điểm lấy mẫu, giờ Việt Nam (YYYY-MM-DD HH:MM hoặc DD/MM/YYYY HH:MM)",
        "Sampling time, Vietnam local time (UTC+7)",
        "2025-03-14 09:30",
    ),
    TemplateColumn("parameter", True, "Mã thông số (xem trang thong_so)", "Parameter code", "BOD5"),
    TemplateColumn(
        "value",
        True,
        "Giá trị; dấu thập phân là dấu chấm (hoặc dấu phẩy); với '<' ghi giới hạn phát hiện",
        "Value; with '<' give the detection limit",
        "4.2",
    ),
    TemplateColumn("unit", True, "Đơn vị", "Unit", "mg/L"),
    TemplateColumn(
        "qualifier",
        False,
        "'<' dưới giới hạn phát hiện, '>' trên ngưỡng định lượng, để trống nếu không",
        "'<' below detection, '>' above the range, empty otherwise",
        "",
    ),
    TemplateColumn(
        "averaging",
        False,
        "Thời gian lấy mẫu trung bình cho không khí: 1h, 8h hoặc 24h (bắt buộc với không khí)",
        "Sampling averaging for ambient air: 1h, 8h or 24h (required for air)",
        "",
    ),
    TemplateColumn("laboratory", False, "Phòng thí nghiệm", "Laboratory", "Trung tâm QTMT"),
    TemplateColumn("method", False, "Phương pháp phân tích", "Analysis method", "TCVN 6001-1:2008"),
    TemplateColumn("note", False, "Ghi chú", "Note", ""),
)
COLUMN_CODES = tuple(c.code for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.code for c in COLUMNS if c.required)
RESULTS_SHEET = "results"


def template_csv(rows: Iterable[Sequence[object]] = ()) -> str:
    """The CSV template (header, then ``rows`` if given) as text; save it as UTF-8 with BOM."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMN_CODES)
    writer.writerows(safe_row(r) for r in rows)
    return buf.getvalue()


def template_xlsx(
    points: Iterable[Sequence[object]] = (), rows: Iterable[Sequence[object]] = ()
) -> bytes:
    """The XLSX template: ``results`` (header + ``rows``), ``huong_dan``, ``thong_so``, ``diem``.

    ``points`` are ``(id, name, medium, commune, water_class)`` tuples.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = RESULTS_SHEET
    ws.append(list(COLUMN_CODES))
    for row in rows:
        ws.append(safe_row(row))
    ws.freeze_panes = "A2"
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for i, col in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = max(12, len(col.example) + 4)
    guide = wb.create_sheet("huong_dan")
    guide.append(["cột / column", "bắt buộc / required", "mô tả", "description", "ví dụ / example"])
    for col in COLUMNS:
        guide.append([col.code, "x" if col.required else "", col.vi, col.en, col.example])
    cat = wb.create_sheet("thong_so")
    cat.append(["code", "medium", "name_vi", "name_en", "unit", "other units accepted"])
    for (code, medium), p in lab_catalogue().items():
        cat.append([code, medium, p.name_vi, p.name_en, p.unit, "; ".join(p.conversions)])
    pts = wb.create_sheet("diem")
    pts.append(["point_id", "name", "medium", "commune", "water_class"])
    for point in points:
        pts.append(safe_row(point))
    for sheet in (guide, cat, pts):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
