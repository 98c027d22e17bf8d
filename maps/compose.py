"""Compose the staff map with folium: base layers, one feature group per data layer, the layer
control, the province outline, and the bootstrap of ``static/quantrac/map.js`` that fills them.

The composition takes plain arguments (:class:`MapOptions`); the service decides which data URLs
exist and passes them in. Data is not baked into the page: the browser fetches it from those URLs
and keeps it live. A standalone snapshot passes the data itself instead (see :mod:`maps.export`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import folium
from branca.element import Figure
from folium.map import Layer
from folium.template import Template

import layers
from layers.formats import FORMAT_CRS_ONLY
from maps.assets import asset_links
from maps.i18n import STRINGS, pick_language, t
from maps.styles import STATION_STATE_ORDER, style_tables
from maps.warnings_layer import WARNINGS_JS, WarningsLayer
from stations.parameters import catalogue
from stations.programme.catalogue import lab_catalogue

PROVINCE_FILE = Path(layers.__file__).resolve().parent / "data" / "lang-son-province.geojson"

# Where the browser finds each kind of data (the public contract, DESIGN.md §6). ``{id}`` and
# ``{collection}`` are filled in by the script; the service drops the ones not mounted.
ENDPOINTS: dict[str, str] = {
    "stations": "/api/stations",
    "readings": "/api/stations/{id}/readings",
    "exceedances": "/api/exceedances",
    "points": "/ogc/collections/monitoring-points/items?limit=1000",
    "landslide": "/ogc/collections/landslide-zones/items?limit=10000",
    "flood": "/ogc/collections/flood-zones/items?limit=10000",
    "communes": "/ogc/collections/communes/items?limit=1000",
    "layers": "/api/layers",
    "alerts": "/api/alerts",
    "alerts_stream": "/api/alerts/stream",
    "ack": "/api/alerts/{id}/ack",
    "export": "/export/{collection}",
    "warnings": "/api/warnings",
    "station_page": "/map/stations/{id}",
}

EXPORT_FORMATS: tuple[dict[str, str], ...] = (
    {"format": "geojson", "label": "GeoJSON"},
    {"format": "gpkg", "label": "GeoPackage"},
    {"format": "shp", "label": "Shapefile"},
    {"format": "kml", "label": "KML"},
    {"format": "csv", "label": "CSV"},
    {"format": "fgb", "label": "FlatGeobuf"},
)
EXPORT_CRS: tuple[dict[str, str], ...] = (
    {"code": "EPSG:4326", "label_vi": "WGS 84 (kinh độ/vĩ độ)", "label_en": "WGS 84 (lon/lat)"},
    {
        "code": "EPSG:9215",
        "label_vi": "VN-2000 / TM-3 107-15 (Lạng Sơn)",
        "label_en": "VN-2000 / TM-3 107-15 (Lạng Sơn)",
    },
    {"code": "EPSG:3405", "label_vi": "VN-2000 / UTM 48N", "label_en": "VN-2000 / UTM zone 48N"},
)
EXPORT_LAYERS: tuple[dict[str, str], ...] = (
    {"collection": "stations", "label_key": "layer_stations"},
    {"collection": "monitoring-points", "label_key": "layer_points"},
    {"collection": "landslide-zones", "label_key": "layer_landslide"},
    {"collection": "flood-zones", "label_key": "layer_flood"},
    {"collection": "communes", "label_key": "layer_communes"},
)

# Through our caching tile proxy (service/public/basemap.py): the browser never asks OSM itself.
OSM_TILES = "/public/basemap/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'

# Data layers drawn by the script: (key, shown on opening).
DATA_LAYERS: tuple[tuple[str, bool], ...] = (
    ("communes", True),
    ("landslide", True),
    ("flood", True),
    ("points", True),
    ("stations", True),
)


@dataclass
class MapOptions:
    """What one rendering of the map needs; every field is a plain value.

    Attributes:
        lang: interface language, ``vi`` (default) or ``en``.
        endpoints: data URL templates by name (keys of :data:`ENDPOINTS`); missing names are not
            requested by the page.
        base_url: prefix for those URLs ("" = same origin).
        static_prefix: URL prefix under which ``maps/static`` is served.
        tz: IANA time zone used to display times.
        poll_seconds: how often the page refreshes station data when live.
        data: inlined data for a standalone snapshot (then nothing is fetched).
        generated_at: ISO 8601 time of a snapshot.
        user: who is looking: ``{name, csrf, can_ack}`` (None: access control is off).
    """

    lang: str = "vi"
    endpoints: dict[str, str] = field(default_factory=lambda: dict(ENDPOINTS))
    base_url: str = ""
    static_prefix: str = "/static/map"
    tz: str = "Asia/Ho_Chi_Minh"
    poll_seconds: int = 15
    data: dict[str, Any] | None = None
    generated_at: str | None = None
    user: dict[str, Any] | None = None


@cache
def province_outline() -> dict[str, Any]:
    """The Lạng Sơn province outline (GeoJSON, WGS 84), shipped with the layers package."""
    return json.loads(PROVINCE_FILE.read_text(encoding="utf-8"))


def province_bounds() -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the province outline."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            xs.append(coords[0])
            ys.append(coords[1])
            return
        for item in coords:
            walk(item)

    for feature in province_outline()["features"]:
        walk(feature["geometry"]["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def parameter_names() -> dict[str, dict[str, str]]:
    """``{code: {vi, en}}`` for the popups (from the parameter catalogue)."""
    return {code: {"vi": p.name_vi, "en": p.name_en} for code, p in catalogue().items()}


def point_parameter_names() -> dict[str, dict[str, dict[str, str]]]:
    """``{medium: {code: {vi, en}}}`` for laboratory results (stations.programme.catalogue):
    the same code names a different substance in another medium (NO2: nitrite in water)."""
    out: dict[str, dict[str, dict[str, str]]] = {}
    for (code, medium), p in lab_catalogue().items():
        out.setdefault(medium, {})[code] = {"vi": p.name_vi, "en": p.name_en}
    return out


class BlankBase(Layer):
    """An empty base layer: the default background, so the map needs no tile server."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.layerGroup();
        {% endmacro %}
        """
    )

    def __init__(self, name: str) -> None:
        super().__init__(name=name, overlay=False, control=True, show=True)
        self._name = "BlankBase"


class StartApp(folium.MacroElement):
    """Hands the composed map, its groups and the configuration to ``quantracMap.start``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            quantracMap.start({
                map: {{ this.map.get_name() }},
                control: {{ this.control.get_name() }},
                groups: {
                {%- for key, group in this.groups.items() %}
                    {{ key|tojson }}: {{ group.get_name() }},
                {%- endfor %}
                },
                bases: {
                {%- for key, base in this.bases.items() %}
                    {{ key|tojson }}: {{ base.get_name() }},
                {%- endfor %}
                },
            }, {{ this.config|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        fmap: folium.Map,
        control: folium.LayerControl,
        groups: dict[str, Any],
        bases: dict[str, Any],
        config: dict[str, Any],
    ) -> None:
        super().__init__()
        self._name = "QuantracStart"
        self.map = fmap
        self.control = control
        self.groups = groups
        self.bases = bases
        self.config = config


def export_formats() -> list[dict[str, Any]]:
    """Export formats for the panel, each with the output CRS it exists in (None: any)."""
    only = FORMAT_CRS_ONLY
    return [{**f, "crs": list(only.get(f["format"], ())) or None} for f in EXPORT_FORMATS]


def page_config(options: MapOptions, lang: str) -> dict[str, Any]:
    """The JSON configuration the page script receives."""
    return {
        "lang": lang,
        "tz": options.tz,
        "base": options.base_url.rstrip("/"),
        "endpoints": dict(options.endpoints),
        "poll_seconds": options.poll_seconds,
        "styles": style_tables(),
        "strings": STRINGS,
        "parameters": parameter_names(),
        "point_parameters": point_parameter_names(),
        "export_formats": export_formats(),
        "station_state_order": list(STATION_STATE_ORDER),
        "bounds": province_bounds(),
        "export_crs": list(EXPORT_CRS),
        "export_layers": list(EXPORT_LAYERS),
        "generated_at": options.generated_at,
        "user": options.user,
        "data": options.data,
    }


def build_map(options: MapOptions) -> folium.Map:
    """The folium map: bases, groups, outline, layer control and the script bootstrap."""
    lang = pick_language(options.lang)
    js, css = asset_links(options.static_prefix)
    fmap = folium.Map(
        location=[21.85, 106.6],
        zoom_start=9,
        tiles=None,
        control_scale=False,  # map.js adds a metric-only scale
        prefer_canvas=False,
        min_zoom=6,
        max_zoom=18,
    )
    # Instance attributes shadow folium's CDN defaults: only our vendored files are linked.
    fmap.default_js = js
    fmap.default_css = css
    root = fmap.get_root()
    assert isinstance(root, Figure)  # a folium map's root is always a branca Figure
    root.header.add_child(folium.Element(f"<title>{t('title', lang)}</title>"), name="qt_title")
    root.header.add_child(folium.Element('<link rel="icon" href="data:,">'), name="qt_favicon")

    blank = BlankBase(t("base_blank", lang)).add_to(fmap)
    # Off by default; switched on, tiles come from our proxy (outlines stay the fallback).
    osm = folium.TileLayer(
        OSM_TILES,
        attr=OSM_ATTRIBUTION,
        name=t("base_osm", lang),
        overlay=False,
        show=False,
        max_zoom=17,
    ).add_to(fmap)

    groups: dict[str, Any] = {}
    province = folium.GeoJson(
        province_outline(),
        name=t("layer_province", lang),
        style_function=lambda _f: {**style_tables()["province"], "interactive": False},
        control=True,
        overlay=True,
        show=True,
    ).add_to(fmap)
    groups["province"] = province
    for key, show in DATA_LAYERS:
        groups[key] = folium.FeatureGroup(name=t(f"layer_{key}", lang), show=show).add_to(fmap)
    # No folium fit_bounds: it would be an animated zoom that Leaflet starts on a later frame,
    # able to land after a station was focused. map.js fits cfg.bounds itself, without animation.
    control = folium.LayerControl(position="topright", collapsed=True)
    control.add_to(fmap)
    if "warnings" in options.endpoints and options.data is None:  # live pages only (issue 17)
        fmap.default_js = [*js, ("quantrac_warnings", WARNINGS_JS.format(options.static_prefix))]
        url = options.base_url.rstrip("/") + options.endpoints["warnings"]
        WarningsLayer(fmap, control, url, lang).add_to(fmap)
    StartApp(
        fmap, control, groups, {"blank": blank, "osm": osm}, page_config(options, lang)
    ).add_to(fmap)
    return fmap


def render_map(options: MapOptions) -> str:
    """The complete HTML page."""
    html = build_map(options).get_root().render()
    lang = pick_language(options.lang)
    return html.replace("<html>", f'<html lang="{lang}">', 1)
