"""Render a round report (``report.build_round_report``) as one self-contained HTML page."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.reports.programme import charts

TEMPLATES = Path(__file__).resolve().parent / "templates"


def chart_pngs(report: dict[str, Any]) -> dict[str, bytes]:
    """The report's four charts as PNG bytes, by name."""
    return {
        "share": charts.share_chart(report["media"]),
        "parameters": charts.bar_chart(
            [(p["parameter"], p["points"]) for p in report["exceedances_by_parameter"]],
            "Số điểm vượt / points exceeding",
        ),
        "communes": charts.bar_chart(
            [(c["commune"], c["points_exceeding"]) for c in report["exceedances_by_commune"]],
            "Số điểm vượt / points exceeding",
            colour="#EF6C00",
        ),
        "wqi_map": charts.wqi_map(report["wqi_points"], report["wqi_classes"]),
    }


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def render_html(
    report: dict[str, Any], generated: str, pngs: dict[str, bytes] | None = None
) -> str:
    """The HTML page; charts are embedded as PNG data URIs (one file to e-mail or archive)."""
    pngs = chart_pngs(report) if pngs is None else pngs
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    template = env.get_template("round_report.html")
    return template.render(
        r=report,
        generated=generated,
        charts={k: base64.b64encode(v).decode("ascii") for k, v in pngs.items()},
        fmt=_fmt,
        signed=_signed,
    )
