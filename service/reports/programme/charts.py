"""Round-report charts as PNG bytes (matplotlib, Agg; no pyplot, so it is thread-safe).

The WQI class map draws the province outline read as JSON from
``layers/data/lang-son-province.geojson`` (a file, not an import of ``layers``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PROVINCE_OUTLINE = (
    Path(__file__).resolve().parents[3] / "layers" / "data" / "lang-son-province.geojson"
)
TOP_N = 15


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96)  # constrained layout: no costly bbox_inches="tight"
    return buf.getvalue()


def _short(label: str) -> str:
    return label.split(" / ")[0]


def share_chart(media: Sequence[dict[str, Any]]) -> bytes:
    """Share of points meeting QCVN per medium, this round beside the previous one (%)."""
    fig = Figure(figsize=(7, 3.2), layout="constrained")
    ax = fig.add_subplot()
    rows = [m for m in media if m["share_meeting"] is not None]
    labels = [_short(m["label"]) for m in rows]
    xs = range(len(rows))
    ax.bar(
        [x - 0.2 for x in xs],
        [m["previous_share"] or 0 for m in rows],
        0.4,
        label="Đợt trước / previous",
        color="#B0BEC5",
    )
    bars = ax.bar(
        [x + 0.2 for x in xs],
        [m["share_meeting"] for m in rows],
        0.4,
        label="Đợt này / this round",
        color="#2E7D32",
    )
    ax.bar_label(bars, fmt="%.0f%%", fontsize=8)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylim(0, 125)
    ax.set_ylabel("% điểm đạt QCVN / meeting")
    ax.legend(fontsize=8, loc="upper center", ncol=2, frameon=False)
    return _png(fig)


def bar_chart(rows: Sequence[tuple[str, int]], xlabel: str, colour: str = "#C62828") -> bytes:
    """A horizontal bar chart of the top counts (exceedances by parameter or commune)."""
    rows = list(rows)[:TOP_N]
    fig = Figure(figsize=(7, 0.9 + 0.28 * max(len(rows), 1)), layout="constrained")
    ax = fig.add_subplot()
    if rows:
        labels, values = zip(*reversed(rows), strict=True)
        bars = ax.barh(labels, values, color=colour)
        ax.bar_label(bars, fontsize=8)
    else:
        ax.text(0.5, 0.5, "Không có vượt / no exceedance", ha="center", va="center")
        ax.set_yticks([])
    ax.set_xlabel(xlabel)
    ax.tick_params(labelsize=8)
    return _png(fig)


@cache
def province_rings(path: Path = PROVINCE_OUTLINE) -> tuple[tuple[tuple[float, float], ...], ...]:
    """Exterior rings of the province outline as (lon, lat) tuples."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rings = []
    for feature in data.get("features", []):
        geom = feature["geometry"]
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        for polygon in polygons:
            rings.append(tuple((float(x), float(y)) for x, y, *_ in polygon[0]))
    return tuple(rings)


def wqi_map(points: Sequence[dict[str, Any]], classes: Sequence[dict[str, Any]]) -> bytes:
    """Surface-water points coloured by VN_WQI class over the province outline."""
    fig = Figure(figsize=(6.5, 5.5), layout="constrained")
    ax = fig.add_subplot()
    for ring in province_rings():
        xs, ys = zip(*ring, strict=True)
        ax.fill(xs, ys, facecolor="#F5F5F5", edgecolor="#616161", linewidth=0.8)
    for cls in classes:
        pts = [p for p in points if p["colour"] == cls["colour"]]
        if pts:
            ax.scatter(
                [p["lon"] for p in pts],
                [p["lat"] for p in pts],
                s=36,
                c=cls["colour"],
                edgecolors="#212121",
                linewidths=0.5,
                label=f"{cls['name_vi']} ({cls['range']}): {len(pts)}",
            )
    ax.set_aspect(1 / 0.93)  # ≈ 1/cos(21.8°): degrees of longitude are shorter at this latitude
    ax.set_xlabel("Kinh độ / longitude (°E)", fontsize=8)
    ax.set_ylabel("Vĩ độ / latitude (°N)", fontsize=8)
    ax.tick_params(labelsize=7)
    if points:
        ax.legend(fontsize=7, loc="lower left", title="VN_WQI", title_fontsize=8)
    return _png(fig)
