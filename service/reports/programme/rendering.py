"""One entry point for the round report in each format (JSON numbers, HTML, XLSX)."""

from __future__ import annotations

from typing import Any

from service.reports.programme.report_html import chart_pngs, render_html
from service.reports.programme.report_xlsx import render_xlsx
from stations.programme.evaluate import PointRound

REPORT_FORMATS = ("html", "xlsx", "json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def render_report(
    report: dict[str, Any], evaluations: list[PointRound], fmt: str, generated: str
) -> bytes:
    """The report as bytes in ``fmt`` (html | xlsx); JSON is the ``report`` dict itself."""
    if fmt == "html":
        return render_html(report, generated).encode("utf-8")
    if fmt == "xlsx":
        return render_xlsx(report, evaluations, generated, chart_pngs(report))
    raise ValueError(f"format must be one of {REPORT_FORMATS[:2]}: {fmt!r}")


def report_filename(report: dict[str, Any], fmt: str) -> str:
    """``round-report-2025-2.html``."""
    return f"round-report-{report['round']['key']}.{fmt}"
