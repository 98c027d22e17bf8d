"""QGIS styles for exported hazard zones: the web map's legend as QML and SLD, stored in the
GeoPackage's ``layer_styles`` table (the table QGIS reads and offers as the layer's default).

The classes and colours come from :mod:`layers.levels` (QĐ 18/2021/QĐ-TTg Điều 4), the fill
opacity and outline from the web map (maps/static/quantrac/map.js ``drawZones``), so a layer
opened in QGIS looks as it does on the map.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from layers import levels

FILL_OPACITY = 0.45  # as the web map's zones
ZONE_LAYERS = ("landslide-zones", "flood-zones")
LEVEL_FIELD = "level"


def _rgb(colour: str) -> str:
    value = colour.lstrip("#")
    return ",".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4))


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
        f'<prop k="color" v="{_rgb(str(r["colour"]))},{alpha}"/>'
        f'<prop k="outline_color" v="{_rgb(str(r["colour"]))},255"/>'
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


def add_zone_style(gpkg: Path, layer: str) -> None:
    """Store the zone style in ``gpkg``'s ``layer_styles`` table as ``layer``'s default."""
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
                zone_qml(),
                zone_sld(layer),
                "Cấp nguy cơ theo QĐ 18/2021/QĐ-TTg / hazard levels as on the web map",
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )
