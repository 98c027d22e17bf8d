"""QGIS styles of the station and monitoring-point exports: every class has the web map's colour
(layers.legend), the classification reads fields a real GeoPackage export has, it agrees with the
map's own rules (maps/static/quantrac/map.js ``QT.stationState``, ``POINT_STATUS``), exceeding is
drawn on top, and the export ships the style as the layer's default."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient

from layers.gis_marker_styles import (
    MARKER_STYLES,
    POINTS,
    STATIONS,
    MarkerStyle,
    classify,
    expression,
    marker_qml,
    marker_sld,
)
from layers.legend import POINT_RESULTS, STATION_STATE_ORDER, STATION_STATES
from service.web.app import create_app
from tests.layers.helpers import demo_settings, shipped_style

SLD = "{http://www.opengis.net/sld}"
OGC = "{http://www.opengis.net/ogc}"
MAP_JS = Path(__file__).parents[2] / "maps" / "static" / "quantrac" / "map.js"
STYLES = [pytest.param(STATIONS, id="stations"), pytest.param(POINTS, id="points")]


def _hex(qgis: str) -> str:
    r, g, b = (int(v) for v in qgis.split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("style", STYLES)
def test_qml_class_colours_are_the_legend(style: MarkerStyle) -> None:
    renderer = ET.fromstring(marker_qml(style)).find("renderer-v2")
    assert renderer is not None
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("symbollevels") == "1"
    assert renderer.get("attr") == expression(style)
    legend = {s.key: s for s in style.swatches}
    symbols = {s.get("name"): s for s in renderer.iter("symbol")}
    for category in renderer.iter("category"):
        swatch = legend[str(category.get("value"))]
        assert category.get("label") == f"{swatch.label_vi} / {swatch.label_en}"
        layer = symbols[category.get("symbol")].find("layer")
        assert layer is not None and layer.get("class") == "SimpleMarker"
        props = {p.get("k"): p.get("v") for p in layer.iter("prop")}
        assert props["name"] == "circle"
        assert _hex(str(props["color"])) == swatch.colour, swatch.key


@pytest.mark.parametrize("style", STYLES)
def test_sld_has_one_rule_per_class_with_the_legend_colour(style: MarkerStyle) -> None:
    root = ET.fromstring(marker_sld(style))
    rules = list(root.iter(f"{SLD}Rule"))
    assert len(rules) == len(list(root.iter(f"{SLD}FeatureTypeStyle"))) == len(style.keys())
    legend = {s.key: s.colour for s in style.swatches}
    for rule in rules:
        fill = rule.find(f".//{SLD}Fill/{SLD}CssParameter")
        assert fill is not None and fill.text == legend[str(rule.findtext(f"{SLD}Name"))]
        fields = {p.text for p in rule.iter(f"{OGC}PropertyName")}
        assert fields <= {f for _, cond in style.classes for f in cond}


def _passes(style: MarkerStyle) -> dict[str, int]:
    """Legend key -> QGIS symbol level (``pass`` of its symbol layer)."""
    renderer = ET.fromstring(marker_qml(style)).find("renderer-v2")
    assert renderer is not None
    level = {s.get("name"): int(str(s.find("layer").get("pass"))) for s in renderer.iter("symbol")}  # type: ignore[union-attr]
    return {str(c.get("value")): level[c.get("symbol")] for c in renderer.iter("category")}


@pytest.mark.parametrize(
    ("style", "order"),
    [
        pytest.param(STATIONS, STATION_STATE_ORDER, id="stations"),
        pytest.param(POINTS, tuple(s.key for s in POINT_RESULTS), id="points"),
    ],
)
def test_exceeding_is_drawn_on_top(style: MarkerStyle, order: tuple[str, ...]) -> None:
    # QGIS draws symbol levels in increasing pass; SLD renderers paint FeatureTypeStyles in turn.
    passes = _passes(style)
    drawn = [k for k in order if k in passes]
    assert drawn[0] == "exceeding"
    assert sorted(drawn, key=lambda k: -passes[k]) == drawn
    assert len(set(passes.values())) == len(passes)
    rules = ET.fromstring(marker_sld(style)).iter(f"{SLD}Rule")
    assert [r.findtext(f"{SLD}Name") for r in rules] == drawn[::-1]


def test_every_legend_class_but_fault_is_styled() -> None:
    # "fault" needs each parameter's device status, which the flat export does not carry.
    assert STATIONS.keys() == [s.key for s in STATION_STATES if s.key != "fault"]
    assert POINTS.keys() == [s.key for s in POINT_RESULTS]


# map.js QT.stationState, case by case: (data_status, compliance_state) -> marker class.
STATION_CASES = [
    ("offline", "exceeding", "offline"),
    ("no_data", None, "offline"),
    (None, "compliant", "offline"),
    ("online", "exceeding", "exceeding"),
    ("delayed", "near_limit", "near_limit"),
    ("online", "limit_missing", "limit_missing"),
    ("online", "compliant", "compliant"),
    ("online", None, "unassessed"),
]


@pytest.mark.parametrize(("data_status", "state", "want"), STATION_CASES)
def test_station_class_follows_the_map(
    data_status: str | None, state: str | None, want: str
) -> None:
    props = {"data_status": data_status, "compliance_state": state}
    assert classify(STATIONS, props) == want


def test_point_classes_follow_the_map_table() -> None:
    table = re.search(r"var POINT_STATUS = \{(.*?)\};", MAP_JS.read_text(), re.S)
    assert table is not None
    pairs = dict(re.findall(r"(\w+): \"(\w+)\"", table.group(1)))
    assert len(pairs) >= 5
    for status, want in pairs.items():
        assert classify(POINTS, {"status": status}) == want, status
    assert classify(POINTS, {"status": None}) == "no_result"


def test_sld_filters_pick_the_same_class_as_the_expression() -> None:
    # Evaluate each rule's OGC filter on the case table: exactly one rule, the expected one.
    def holds(node: ET.Element, props: dict[str, str | None]) -> bool:
        tag = node.tag.removeprefix(OGC)
        kids = list(node)
        if tag == "And":
            return all(holds(k, props) for k in kids)
        if tag == "Or":
            return any(holds(k, props) for k in kids)
        if tag == "Not":
            return not holds(kids[0], props)
        value = props.get(str(node.findtext(f"{OGC}PropertyName")))
        if tag == "PropertyIsNull":
            return value is None
        assert tag == "PropertyIsEqualTo"
        return value is not None and value == node.findtext(f"{OGC}Literal")

    rules = list(ET.fromstring(marker_sld(STATIONS)).iter(f"{SLD}Rule"))
    for data_status, state, want in STATION_CASES:
        props = {"data_status": data_status, "compliance_state": state}
        hits = [
            r.findtext(f"{SLD}Name")
            for r in rules
            if holds(next(iter(r.find(f"{OGC}Filter"))), props)  # type: ignore[arg-type]
        ]
        assert hits == [want], props


@pytest.fixture(scope="module")
def exported(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[dict[str, Path]]:
    """GeoPackage exports of the demo's stations and monitoring points."""
    tmp = tmp_path_factory.mktemp("marker-styles")
    settings = demo_settings(tmp, sqlite_template)
    out = {}
    with TestClient(create_app(settings, scheduler=False)) as client:
        for layer in MARKER_STYLES:
            response = client.get(f"/export/{layer}?format=gpkg&crs=EPSG:9215")
            assert response.status_code == 200, response.text
            out[layer] = tmp / f"{layer}.gpkg"
            out[layer].write_bytes(response.content)
    yield out


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")
@pytest.mark.parametrize("style", STYLES)
def test_gpkg_export_ships_the_marker_style(style: MarkerStyle, exported: dict[str, Path]) -> None:
    path = exported[style.layer]
    fields = set(pyogrio.read_info(path, layer=style.layer)["fields"])
    assert {f for _, cond in style.classes for f in cond} <= fields
    assert "layer_styles" in pyogrio.list_layers(path)[:, 0]  # what QGIS reads through GDAL
    (table, column, default, qml, sld), geometry = shipped_style(path)
    assert (table, column, default) == (style.layer, geometry, 1)
    assert qml == marker_qml(style) and sld == marker_sld(style)
