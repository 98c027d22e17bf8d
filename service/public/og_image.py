"""The Open Graph image of a station (1200×630 PNG, Pillow) so a shared link shows its AQI."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

SIZE = (1200, 630)
NO_DATA_GREY = "#757575"


@cache
def _font_path() -> str | None:
    """DejaVu Sans (ships with matplotlib) has every Vietnamese letter."""
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf"
        return str(path) if path.exists() else None
    except ImportError:  # pragma: no cover - matplotlib is a runtime dependency
        return None


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def text_colour(category: int | None) -> str:
    """Black on the light categories (1–4), white on the dark ones and grey (WCAG contrast)."""
    return "#000000" if category is not None and category <= 4 else "#ffffff"


def render(station: dict[str, Any], lang: str = "vi") -> bytes:
    """A PNG: station name, commune, the AQI number in its colour (grey "no data")."""
    hourly = station.get("hourly")
    colour = hourly["colour"] if hourly else NO_DATA_GREY
    img = Image.new("RGB", SIZE, "#ffffff")
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, SIZE[0], 110), fill="#0b4f6c")
    draw.text((40, 30), "Chất lượng không khí — Lạng Sơn", font=_font(44), fill="#ffffff")
    draw.text((40, 150), station["name"], font=_font(52), fill="#111111")
    draw.text((40, 220), station.get("commune") or "", font=_font(36), fill="#333333")
    draw.rectangle((40, 300, 1160, 590), fill=colour)
    fg = text_colour(hourly["category"] if hourly else None)
    if hourly:
        label = hourly["label_en"] if lang == "en" else hourly["label_vi"]
        draw.text((80, 330), f"VN_AQI {hourly['aqi']}", font=_font(110), fill=fg)
        draw.text((80, 480), f"{label} · {hourly['dominant'] or ''}", font=_font(60), fill=fg)
    else:
        label = "No data" if lang == "en" else "Không có dữ liệu"
        draw.text((80, 390), label, font=_font(90), fill=fg)
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()
