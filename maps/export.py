"""The standalone map: one HTML file with Leaflet, our script, the styles and the data inlined.

It opens from disk (``file://``) with no server and no network, for reports and e-mail. The
data is read through the same public URLs as the live page (a ``fetch`` callable is passed in,
so this module knows nothing about the web service), then slimmed like the live map's layers.
Hazard rasters are inlined as PNG tiles for the province at a few zoom levels.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from maps.assets import CSS_ASSETS, JS_ASSETS, inline_css, inline_js
from maps.compose import ENDPOINTS, MapOptions, province_bounds, render_map
from maps.payload import slim_points, slim_polygons

FetchJSON = Callable[[str], Any | None]
FetchBytes = Callable[[str], bytes | None]

# Zoom levels of raster tiles put in the file: the province fits in ~30 tiles at these levels;
# Leaflet scales the level-10 tiles when the reader zooms in further.
SNAPSHOT_TILE_ZOOMS = (8, 9, 10)
STATIC_PREFIX = "/static/map"


def tile_range(bounds: list[list[float]], zoom: int) -> tuple[range, range]:
    """XYZ tile columns and rows covering ``[[south, west], [north, east]]`` at ``zoom``."""
    (south, west), (north, east) = bounds
    n = 2**zoom

    def col(lon: float) -> int:
        return min(n - 1, max(0, int((lon + 180.0) / 360.0 * n)))

    def row(lat: float) -> int:
        rad = math.radians(lat)
        y = (1.0 - math.asinh(math.tan(rad)) / math.pi) / 2.0 * n
        return min(n - 1, max(0, int(y)))

    return range(col(west), col(east) + 1), range(row(north), row(south) + 1)


def _features(body: Any) -> list[dict[str, Any]]:
    return list(body.get("features", [])) if isinstance(body, dict) else []


def _raster_tiles(raster: dict[str, Any], fetch_bytes: FetchBytes) -> dict[str, Any]:
    template = raster.get("tiles") or raster.get("tile_url")
    if not template:
        return {}
    tiles: dict[str, Any] = {}
    bounds = province_bounds()
    for zoom in SNAPSHOT_TILE_ZOOMS:
        cols, rows = tile_range(bounds, zoom)
        for x in cols:
            for y in rows:
                png = fetch_bytes(template.format(z=zoom, x=x, y=y))
                if png:
                    encoded = base64.b64encode(png).decode("ascii")
                    tiles[f"{zoom}/{x}/{y}"] = f"data:image/png;base64,{encoded}"
    tiles["_max"] = max(SNAPSHOT_TILE_ZOOMS)
    return tiles


def slim_readings(body: dict[str, Any]) -> dict[str, Any]:
    """Hourly series reduced to what the 24-hour chart draws: time and mean (4 digits)."""
    series = []
    for item in body.get("series", []):
        points = [
            {
                "time": p["time"],
                "mean": None if p.get("mean") is None else float(f"{p['mean']:.4g}"),
            }
            for p in item.get("points", [])
        ]
        series.append({"parameter": item["parameter"], "unit": item.get("unit"), "points": points})
    return {"series": series}


def collect_snapshot_data(
    fetch: FetchJSON,
    fetch_bytes: FetchBytes | None = None,
    *,
    now: datetime | None = None,
    endpoints: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the page shows, read once: layers, rasters, open alerts, 24-hour series."""
    urls = endpoints or ENDPOINTS
    now = now or datetime.now(UTC)
    data: dict[str, Any] = {}
    data["stations"] = fetch(urls["stations"]) or {"type": "FeatureCollection", "features": []}
    points = fetch(urls["points"])
    if points is not None:
        data["points"] = slim_points(_features(points), results=True)
    for key in ("landslide", "flood", "communes"):
        body = fetch(urls[key])
        if body is not None:
            data[key] = slim_polygons(_features(body))
    catalogue = fetch(urls["layers"])
    if isinstance(catalogue, list):
        rasters = [r for r in catalogue if r.get("kind") == "raster"]
        data["layers"] = rasters
        if fetch_bytes is not None:
            data["tiles"] = {r["id"]: _raster_tiles(r, fetch_bytes) for r in rasters}
    alerts = fetch(urls["alerts"] + "?state=open")
    data["alerts"] = alerts if isinstance(alerts, list) else []
    start = (now - timedelta(hours=24)).isoformat()
    end = now.isoformat()
    readings: dict[str, Any] = {}
    for feature in data["stations"]["features"]:
        sid = feature.get("id") or feature["properties"]["id"]
        if not feature["properties"].get("parameters"):
            continue
        url = urls["readings"].format(id=quote(str(sid), safe=""))
        body = fetch(f"{url}?interval=hour&start={quote(start)}&end={quote(end)}")
        if body is not None:
            readings[sid] = slim_readings(body)
    data["readings"] = readings
    return data


_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"/>')


def inline_assets(html: str, prefix: str = STATIC_PREFIX) -> str:
    """Replace the links to our static files by the files' contents."""
    js = {f"{prefix}/{rel}": rel for _name, rel in JS_ASSETS}
    css = {f"{prefix}/{rel}": rel for _name, rel in CSS_ASSETS}

    def script(match: re.Match[str]) -> str:
        rel = js.get(match.group(1))
        return match.group(0) if rel is None else f"<script>{inline_js(rel)}</script>"

    def link(match: re.Match[str]) -> str:
        rel = css.get(match.group(1))
        return match.group(0) if rel is None else f"<style>{inline_css(rel)}</style>"

    return _LINK.sub(link, _SCRIPT.sub(script, html))


def snapshot_html(
    data: dict[str, Any], *, lang: str = "vi", tz: str = "Asia/Ho_Chi_Minh", generated_at: str
) -> str:
    """The self-contained HTML page for ``data`` (from :func:`collect_snapshot_data`)."""
    options = MapOptions(
        lang=lang,
        endpoints={},
        static_prefix=STATIC_PREFIX,
        tz=tz,
        data=data,
        generated_at=generated_at,
    )
    return inline_assets(render_map(options))
