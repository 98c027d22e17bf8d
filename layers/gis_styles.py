"""QGIS styles of exported layers: the web map's legend as QML and SLD, stored in the
GeoPackage's ``layer_styles`` table (the table QGIS reads and offers as the layer's default).

Hazard zones are styled here: classes and colours from :mod:`layers.levels` (QĐ 18/2021/QĐ-TTg
Điều 4), fill opacity and outline from the web map (maps/static/quantrac/map.js ``drawZones``).
Station and monitoring-point markers come from :mod:`layers.gis_marker_styles`. A layer opened
in QGIS looks as it does on the map.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from layers import levels
from layers.gis_marker_styles import MARKER_STYLES, marker_qml, marker_sld, qgis_rgb

FILL_OPACITY = 0.45  # as the web map's zones
ZONE_LAYERS = ("landslide-zones", "flood-zones")
LEVEL_FIELD = "level"


def _label(row: dict[str, object]) -> str:
    return f"{row['value']} {row['label_vi']} / {row['label_en']}"


def zone_qml() -> str:
    """A categorized QGIS renderer on ``level``: one class per hazard level."""
    rows = levels.legend()
    categories = "".join(
        f'<category render="true" symbol="{i}" value="{r["value"]}" label={quoteattr(_label(r))}/>'
        for i, r in enumerate(rows)
    )
    alpha = round(FILL_OPACITY * 255)
    symbols = "".join(
        f'<symbol type="fill" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
        '<layer class="SimpleFill" enabled="1" locked="0" pass="0">'
        f'<prop k="color" v="{qgis_rgb(str(r["colour"]))},{alpha}"/>'
        f'<prop k="outline_color" v="{qgis_rgb(str(r["colour"]))},255"/>'
        '<prop k="outline_width" v="0.26"/><prop k="outline_width_unit" v="MM"/>'
        '<prop k="style" v="solid"/><prop k="outline_style" v="solid"/>'
        "</layer></symbol>"
        for i, r in enumerate(rows)
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        '<qgis version="3.22.0" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr="{LEVEL_FIELD}" symbollevels="0" '
        'enableorderby="0" forceraster="0">'
        f"<categories>{categories}</categories><symbols>{symbols}</symbols>"
        "</renderer-v2></qgis>"
    )


def zone_sld(layer: str) -> str:
    """The same classes as an SLD 1.0 style (GeoServer, QGIS)."""
    rules = "".join(
        f"<Rule><Name>{r['value']}</Name><Title>{_label(r)}</Title>"
        "<ogc:Filter><ogc:PropertyIsEqualTo>"
        f"<ogc:PropertyName>{LEVEL_FIELD}</ogc:PropertyName>"
        f"<ogc:Literal>{r['value']}</ogc:Literal>"
        "</ogc:PropertyIsEqualTo></ogc:Filter>"
        "<PolygonSymbolizer><Fill>"
        f'<CssParameter name="fill">{r["colour"]}</CssParameter>'
        f'<CssParameter name="fill-opacity">{FILL_OPACITY}</CssParameter></Fill>'
        f'<Stroke><CssParameter name="stroke">{r["colour"]}</CssParameter>'
        '<CssParameter name="stroke-width">1</CssParameter></Stroke>'
        "</PolygonSymbolizer></Rule>"
        for r in levels.legend()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" '
        'xmlns:ogc="http://www.opengis.net/ogc">'
        f"<NamedLayer><Name>{layer}</Name><UserStyle><Title>{layer}</Title>"
        f"<FeatureTypeStyle>{rules}</FeatureTypeStyle></UserStyle></NamedLayer>"
        "</StyledLayerDescriptor>"
    )


ZONE_DESCRIPTION = "Cấp nguy cơ theo QĐ 18/2021/QĐ-TTg / hazard levels as on the web map"


def style_of(layer: str) -> tuple[str, str, str] | None:
    """``(qml, sld, description)`` shipped with ``layer``, None for a layer without a style."""
    if layer in ZONE_LAYERS:
        return zone_qml(), zone_sld(layer), ZONE_DESCRIPTION
    marker = MARKER_STYLES.get(layer)
    if marker is not None:
        return marker_qml(marker), marker_sld(marker), marker.description
    return None


STYLED_LAYERS = (*ZONE_LAYERS, *MARKER_STYLES)


def add_style(gpkg: Path, layer: str) -> None:
    """Store ``layer``'s style in ``gpkg``'s ``layer_styles`` table as its default (no-op for a
    layer without one)."""
    style = style_of(layer)
    if style is None:
        return
    qml, sld, description = style
    # GeoPackage DATETIME form (GDAL warns about "+00:00"): 2026-12-05T21:03:36.000Z
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(gpkg) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256), "
            "f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT, "
            "useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT, "
            "update_time DATETIME)"
        )
        geometry = db.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
        ).fetchone()
        db.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, 'quantrac', '', ?)",
            (
                layer,
                geometry[0] if geometry else "geom",
                "quantrac",
                qml,
                sld,
                description,
                now,
            ),
        )
        # Registered as an attributes table, as QGIS does when it saves a style: GDAL hides
        # unregistered tables from a GeoPackage that has one (the points' ``results``), and
        # QGIS then finds no style.
        db.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
            "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', ?)",
            (now,),
        )
