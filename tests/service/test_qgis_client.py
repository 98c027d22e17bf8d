"""QGIS 3.22 headless (Debian python3-qgis, installed by scripts/system-deps.sh) as a client of a
real server: items served in VN-2000 open as EPSG:9215 at PROJ's coordinates, a CQL2 filter gives
QGIS exactly the subset Python selects, and zone, station and point GeoPackages open with the
shipped styles."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pyproj import Transformer

from layers import levels
from layers.gis_marker_styles import MARKER_STYLES, classify, expression
from layers.gis_styles import FILL_OPACITY, zone_qml
from service.database import make_engine
from tests.layers.helpers import demo_settings, live_server

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("qgis_client.py")
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
POINTS = "/ogc/collections/monitoring-points/items"
CQL = "wqi < 50"


def _has_qgis() -> bool:
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import qgis.core"],
            capture_output=True,
            timeout=60,
            check=False,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


pytestmark = [
    pytest.mark.gdal,
    pytest.mark.qgis,
    pytest.mark.slow,
    pytest.mark.skipif(
        not _has_qgis(),
        reason="needs QGIS for /usr/bin/python3 (Debian python3-qgis: bash scripts/system-deps.sh)",
    ),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    from rich.console import Console

    from service.demo import programme as demo_programme

    settings = demo_settings(tmp_path_factory.mktemp("qgis"), sqlite_template)
    engine = make_engine(settings.db_url)
    demo_programme.run(settings, engine, Console(quiet=True), 0.2)  # rounds give points a wqi
    engine.dispose()
    with live_server(settings) as base:
        yield base


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as res:
        return bytes(res.read())


def _geojson(url: str) -> dict[str, Any]:
    return dict(json.loads(_get(url)))


@pytest.fixture(scope="module")
def seen(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What QGIS reports for the three requests, run once for the module."""
    vn = {"crs": EPSG + "9215", "limit": 1000, "f": "json"}
    items = f"{server}{POINTS}?{urlencode(vn)}"
    filtered = f"{server}{POINTS}?{urlencode({**vn, 'filter': CQL, 'filter-lang': 'cql2-text'})}"
    gpkg = tmp_path_factory.mktemp("qgis-gpkg") / "landslide-zones.gpkg"
    gpkg.write_bytes(_get(f"{server}/export/landslide-zones?format=gpkg&crs=EPSG:9215"))
    styled = []
    for layer in MARKER_STYLES:
        path = gpkg.with_name(f"{layer}.gpkg")
        path.write_bytes(_get(f"{server}/export/{layer}?format=gpkg&crs=EPSG:9215"))
        styled.append(f"{layer}={path}")
    done = subprocess.run(
        [SYSTEM_PYTHON, str(SCRIPT), items, filtered, str(gpkg), *styled],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""},
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_qgis_opens_items_in_vn2000_at_proj_coordinates(server: str, seen: dict[str, Any]) -> None:
    assert seen["version"].startswith("3.22")
    layer = seen["items"]
    wgs = _geojson(f"{server}{POINTS}?limit=1000")["features"]
    assert layer["valid"] and layer["crs"] == "EPSG:9215"
    assert layer["count"] == len(wgs) == 163
    to_vn = Transformer.from_crs("EPSG:4326", "EPSG:9215", always_xy=True)
    assert set(layer["features"]) == {f["id"] for f in wgs}
    for feature in wgs:
        x, y = to_vn.transform(*feature["geometry"]["coordinates"])
        assert layer["features"][feature["id"]] == pytest.approx([x, y], abs=1.0), feature["id"]


def test_qgis_sees_exactly_the_cql2_subset(server: str, seen: dict[str, Any]) -> None:
    wgs = _geojson(f"{server}{POINTS}?limit=1000")["features"]
    want = {
        f["id"]
        for f in wgs
        if f["properties"].get("wqi") is not None and f["properties"]["wqi"] < 50
    }
    assert 0 < len(want) < len(wgs), "the filter must select some points, not all"
    layer = seen["filtered"]
    assert layer["valid"] and layer["crs"] == "EPSG:9215"
    assert set(layer["features"]) == want
    assert layer["count"] == len(want)


def test_qgis_opens_the_zone_gpkg_with_the_shipped_style(seen: dict[str, Any]) -> None:
    style = seen["style"]
    assert style["valid"] and style["count"] == 5
    assert style["ok"], style["message"]
    assert (style["renderer"], style["attr"]) == ("categorizedSymbol", "level")
    shipped = ET.fromstring(zone_qml())
    labels = [c.get("label") for c in shipped.iter("category")]
    assert style["categories"] == [
        [str(row["value"]), label, row["colour"]]
        for row, label in zip(levels.legend(), labels, strict=True)
    ]
    assert style["fill_alphas"] == [round(FILL_OPACITY * 255)] * len(labels)


@pytest.mark.parametrize("layer", list(MARKER_STYLES))
def test_qgis_opens_point_exports_with_the_web_map_colours(
    server: str, seen: dict[str, Any], layer: str
) -> None:
    style, shipped = seen["styles"][layer], MARKER_STYLES[layer]
    assert style["valid"] and style["ok"], style["message"]
    assert (style["renderer"], style["attr"]) == ("categorizedSymbol", expression(shipped))
    assert style["symbol_levels"] is True
    legend = {s.key: s for s in shipped.swatches}
    assert style["categories"] == [
        [k, f"{legend[k].label_vi} / {legend[k].label_en}", legend[k].colour]
        for k in shipped.keys()
    ]
    # QGIS's own evaluation of the renderer on each exported feature = the map's class.
    wgs = _geojson(f"{server}/ogc/collections/{layer}/items?limit=1000")["features"]
    assert wgs and style["count"] == len(wgs)
    assert style["classes"] == {f["id"]: classify(shipped, f["properties"]) for f in wgs}
