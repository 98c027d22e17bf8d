"""OGC API - Features Part 2: features served in VN-2000 (``crs=``), ``Content-Crs``, and a
bbox given in VN-2000 metres (``bbox-crs``); checked against PROJ and against GDAL."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pyproj import Transformer

from tests.layers.helpers import demo_settings, live_server
from tests.service.test_ogc import api  # noqa: F401 (fixture)

EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ITEMS = "/ogc/collections/stations/items"
STATION = "LS_XLNTLS_NT01"


@pytest.mark.parametrize("code", ["9215", "3405"])
def test_items_in_vn2000_match_proj(api: Any, code: str) -> None:  # noqa: F811
    wgs = api.get(ITEMS).json()
    res = api.get(ITEMS, params={"crs": EPSG + code})
    assert res.status_code == 200
    assert res.headers["content-crs"] == f"<{EPSG}{code}>"
    body = res.json()
    assert body["crs"]["properties"]["name"] == f"urn:ogc:def:crs:EPSG::{code}"
    to_vn = Transformer.from_crs("EPSG:4326", f"EPSG:{code}", always_xy=True)
    lonlat = {f["id"]: f["geometry"]["coordinates"] for f in wgs["features"]}
    for feature in body["features"]:
        x, y = to_vn.transform(*lonlat[feature["id"]])
        assert feature["geometry"]["coordinates"] == pytest.approx([x, y], abs=0.001)
    one = api.get(f"{ITEMS}/{STATION}", params={"crs": f"EPSG:{code}"})
    assert one.headers["content-crs"] == f"<{EPSG}{code}>"
    assert one.json()["geometry"]["coordinates"][0] > 100_000  # metres, not degrees
    assert api.get(ITEMS).headers["content-crs"] == "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def test_bbox_in_vn2000_metres_selects_the_same_station(api: Any) -> None:  # noqa: F811
    feature = api.get(f"{ITEMS}/{STATION}", params={"crs": "EPSG:9215"}).json()
    x, y = feature["geometry"]["coordinates"]
    bbox = f"{x - 500},{y - 500},{x + 500},{y + 500}"
    body = api.get(ITEMS, params={"bbox": bbox, "bbox-crs": EPSG + "9215"}).json()
    assert [f["id"] for f in body["features"]] == [STATION]
    doc = api.get("/ogc/collections/stations").json()
    assert EPSG + "9215" in doc["crs"] and EPSG + "3405" in doc["crs"]
    conf = api.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conf


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    settings = demo_settings(tmp_path_factory.mktemp("ogc-crs"), sqlite_template)
    with live_server(settings) as base:
        yield base


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs gdal-bin")
def test_gdal_reads_items_in_vn2000(server: str, tmp_path: Path) -> None:
    """GDAL 3.6's OAPIF driver has no CRS option: its GeoJSON driver reads the page and the
    ``crs`` member, so ogr2ogr copies it as EPSG:9215 without reprojecting."""
    url = f"{server}/ogc/collections/stations/items?crs={EPSG}9215&limit=100"
    out = tmp_path / "stations.gpkg"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(out), url], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "Feature Count: 13\n" in info
    assert 'ID["EPSG",9215]' in info, info
    extent = re.search(r"Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)", info)
    assert extent, info
    minx, miny, maxx, maxy = (float(v) for v in extent.groups())
    assert 300_000 < minx < maxx < 700_000 and 2_300_000 < miny < maxy < 2_500_000


@pytest.mark.gdal
@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")
def test_gdal_reads_a_cql2_filtered_page_in_vn2000(server: str) -> None:
    """The four wastewater stations of the demo, asked with CQL2-text, in VN-2000."""
    query = urlencode(
        {"filter": "kind = 'wastewater' AND NOT (id LIKE 'LS_X%')", "crs": "EPSG:9215"}
    )
    url = f"{server}/ogc/collections/stations/items?{query}"
    info = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", url], capture_output=True, text=True, timeout=60
    ).stdout
    assert "Feature Count: 3\n" in info, info  # LS_XLNTLS_NT01 left out by the NOT
    assert 'ID["EPSG",9215]' in info
