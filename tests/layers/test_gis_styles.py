"""QGIS styles shipped in a zone GeoPackage: the web map's legend (QĐ 18/2021 colours, the
map's fill opacity) as QML and SLD in the ``layer_styles`` table QGIS reads as the default."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

from layers import levels
from layers.export import export_features
from layers.gis_styles import FILL_OPACITY, zone_qml, zone_sld
from tests.layers.helpers import shipped_style

SLD = "{http://www.opengis.net/sld}"


def test_qml_classes_are_the_legend() -> None:
    root = ET.fromstring(zone_qml())
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "level"
    values = [c.get("value") for c in renderer.iter("category")]
    assert values == [str(r["value"]) for r in levels.legend()]
    alpha = str(round(FILL_OPACITY * 255))
    colours = [p.get("v") for p in renderer.iter("prop") if p.get("k") == "color"]
    for row, colour in zip(levels.legend(), colours, strict=True):
        rgb = ",".join(str(int(str(row["colour"])[i : i + 2], 16)) for i in (1, 3, 5))
        assert colour == f"{rgb},{alpha}"


def test_sld_rules_are_the_legend() -> None:
    root = ET.fromstring(zone_sld("flood-zones"))
    fills = [p.text for p in root.iter(f"{SLD}CssParameter") if p.get("name") == "fill"]
    assert fills == [r["colour"] for r in levels.legend()]


def test_gpkg_export_of_zones_carries_the_default_style(tmp_path: Path) -> None:
    square = [[106.7, 21.8], [106.8, 21.8], [106.8, 21.9], [106.7, 21.9], [106.7, 21.8]]
    features = [
        {"properties": {"level": lv, "name": f"z{lv}"}, "geometry": {"type": "Polygon",
         "coordinates": [square]}}
        for lv in (1, 5)
    ]  # fmt: skip
    out = export_features(features, "flood-zones", "gpkg", "EPSG:9215")
    path = tmp_path / out.filename
    path.write_bytes(out.content)
    (table, column, default, qml, sld), geometry = shipped_style(path)
    assert (table, column, default) == ("flood-zones", geometry, 1)
    assert qml == zone_qml() and "StyledLayerDescriptor" in sld
    points = export_features(  # communes: the web map draws plain outlines, no legend
        [{"properties": {"id": "p"}, "geometry": {"type": "Point", "coordinates": [106.7, 21.8]}}],
        "communes",
        "gpkg",
        "EPSG:4326",
    )
    other = tmp_path / points.filename
    other.write_bytes(points.content)
    with sqlite3.connect(other) as db:
        assert not db.execute(
            "SELECT name FROM sqlite_master WHERE name = 'layer_styles'"
        ).fetchall()
