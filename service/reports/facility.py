"""Render a facility compliance report (``stations.compliance.facility_report``) as a standalone
HTML page or an XLSX workbook, Vietnamese first. Times are shown in the display time zone."""

from __future__ import annotations

import io
from datetime import tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from stations.timeutil import VN_TZ, epoch_to_local_iso

FORMATS = ("html", "xlsx", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
TEMPLATES = Path(__file__).resolve().parent / "templates"
_BOLD = Font(bold=True)
_HEAD = PatternFill("solid", fgColor="ECEFF1")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _local(epoch: int | None, tz: tzinfo) -> str:
    return "—" if epoch is None else epoch_to_local_iso(int(epoch), tz).replace("T", " ")


def report_filename(report: dict[str, Any], fmt: str) -> str:
    """``bao-cao-tuan-thu-khu-cong-nghiep-dong-banh-2026-03-01-2026-04-01.xlsx``."""
    start = epoch_to_local_iso(report["start"])[:10]
    end = epoch_to_local_iso(report["end"])[:10]
    return f"bao-cao-tuan-thu-{report['key']}-{start}-{end}.{fmt}"


def render_facility_report(
    report: dict[str, Any], fmt: str, generated: str, tz: tzinfo = VN_TZ
) -> bytes:
    """The report as bytes in ``fmt`` (html | xlsx)."""
    if fmt == "html":
        template = _environment().get_template("facility.html")
        html = template.render(r=report, generated=generated, local=lambda e: _local(e, tz))
        return html.encode("utf-8")
    if fmt == "xlsx":
        return _xlsx(report, generated, tz)
    raise ValueError(f"format must be html or xlsx: {fmt!r}")


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    ws = wb.create_sheet(title)
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = _BOLD, _HEAD
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header):
        ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(60, max(12, len(name)))
    ws.freeze_panes = "A2"


def _xlsx(report: dict[str, Any], generated: str, tz: tzinfo) -> bytes:
    wb = Workbook()
    info = wb.active
    info.title = "tong_quan"
    for row in (
        ["Báo cáo tuân thủ của cơ sở / facility compliance report", report["facility"]],
        ["Từ / from", _local(report["start"], tz)],
        ["Đến / to", _local(report["end"], tz)],
        ["Số lần vượt / exceedance episodes", report["exceedances"]],
        ["Căn cứ / legal basis", report["legal_basis"]],
        ["Lập lúc / generated", generated],
        ["Dữ liệu giả lập / synthetic data", "có / yes" if report["synthetic"] else "không / no"],
    ):
        info.append(row)
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 40, 80
    _sheet(
        wb,
        "thong_so",
        ["Trạm / station", "Thông số / parameter", "Đơn vị / unit", "Quy tắc áp dụng / rule",
         "Trạng thái / state", "Thu nhận dữ liệu / data capture %", "Số kỳ đánh giá / periods",
         "Số kỳ đạt / compliant", "% đạt / compliant %", "Hiệu chuẩn / calibrating h",
         "Lỗi thiết bị / device error h", "Số lần vượt / exceedances"],
        [
            [s["station"], p["parameter"], p["unit"], p["rule"] or p["missing_reason"] or "—",
             p["state"], p["data_capture_pct"], p["periods_evaluated"], p["periods_compliant"],
             p["pct_compliant"], p["calibrating_hours"], p["device_error_hours"], p["exceedances"]]
            for s in report["stations"]
            for p in s["parameters"]
        ],
    )  # fmt: skip
    _sheet(
        wb,
        "vuot_nguong",
        ["Trạm / station", "Thông số / parameter", "Bắt đầu / opened", "Kết thúc / closed",
         "Thời lượng / duration h", "Đỉnh / peak", "Giới hạn / limit", "Đơn vị / unit",
         "Lần / ratio", "Mức NĐ 45/2022 / band", "Quy chuẩn / regulation", "Căn cứ / citation",
         "Số tệp / files"],
        [
            [s["station"], e["parameter"], _local(e["opened_at"], tz), _local(e["closed_at"], tz),
             e["duration_hours"], e["peak_value"], e["limit"], e["unit"], e["peak_ratio"],
             e["band_label"], e["regulation"], e["citation"], len(e["files"])]
            for s in report["stations"]
            for e in s["episodes"]
        ],
    )  # fmt: skip
    _sheet(
        wb,
        "tep_nguon",
        ["Trạm / station", "Thông số / parameter", "Bắt đầu đợt vượt / episode opened",
         "Tệp / file", "SHA-256", "Lưu trữ / archive", "Nhận lúc / received"],
        [
            [s["station"], e["parameter"], _local(e["opened_at"], tz), f["name"], f["sha256"],
             f["archive_path"], _local(f["received_at"], tz)]
            for s in report["stations"]
            for e in s["episodes"]
            for f in e["files"]
        ],
    )  # fmt: skip
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
