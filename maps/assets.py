"""The map's static assets: vendored Leaflet and our own script and styles, served or inlined.

Everything the page needs ships in ``maps/static`` (see ``maps/static/VENDOR.md`` for versions
and licences), so the map works on an office network without Internet. The live page links the
files under a URL prefix served by the app; the standalone export inlines them.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"

LEAFLET_DIR = "vendor/leaflet-1.9.3"
# (name, path under STATIC_DIR), in load order. Leaflet is all folium needs for what we draw
# (feature groups, GeoJSON, div-icon markers, circle markers, tile layers, layer control).
JS_ASSETS: tuple[tuple[str, str], ...] = (
    ("leaflet", f"{LEAFLET_DIR}/leaflet.js"),
    ("quantrac_map", "quantrac/map.js"),
)
CSS_ASSETS: tuple[tuple[str, str], ...] = (
    ("leaflet_css", f"{LEAFLET_DIR}/leaflet.css"),
    ("quantrac_map_css", "quantrac/map.css"),
)

_CSS_URL = re.compile(r"url\((['\"]?)([^)'\"]+)\1\)")


def static_path(relative: str) -> Path | None:
    """The file for a path under ``maps/static``, or None if missing or outside that folder."""
    if "\x00" in relative:
        return None  # a NUL byte makes the operating system refuse the path (was a 500)
    candidate = (STATIC_DIR / relative).resolve()
    if not candidate.is_relative_to(STATIC_DIR) or not candidate.is_file():
        return None
    return candidate


def asset_links(prefix: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(js, css)`` lists of (name, URL) for folium's ``default_js``/``default_css``."""
    prefix = prefix.rstrip("/")
    return (
        [(name, f"{prefix}/{rel}") for name, rel in JS_ASSETS],
        [(name, f"{prefix}/{rel}") for name, rel in CSS_ASSETS],
    )


def data_uri(path: Path) -> str:
    """A ``data:`` URI holding a file (images referenced by the CSS)."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def inline_css(relative: str) -> str:
    """A stylesheet's text with every relative ``url(...)`` turned into a data URI."""
    path = static_path(relative)
    if path is None:
        raise FileNotFoundError(relative)
    text = path.read_text(encoding="utf-8")

    def _replace(match: re.Match[str]) -> str:
        target = match.group(2)
        if target.startswith(("data:", "#")) or "://" in target:
            return match.group(0)
        image = (path.parent / target).resolve()
        if not image.is_file():
            # Leaflet's CSS names marker images we do not ship (we never use the default icon).
            return "url()"
        return f"url({data_uri(image)})"

    return _CSS_URL.sub(_replace, text)


def inline_js(relative: str) -> str:
    """A script's text, safe to put inside an inline ``<script>`` element."""
    path = static_path(relative)
    if path is None:
        raise FileNotFoundError(relative)
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script")
