"""Exports: every format × CRS read back by ogrinfo with the right count, CRS and attributes."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from service.web.app import create_app
from tests.layers.helpers import demo_settings

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin"),
]
# Kỳ Lừa surface-water point LS-NM-001 (lon, lat) from stations/demo/points.csv.
POINT = (106.83018, 21.81096)
NAME = "Nước mặt — Kỳ Lừa (Thành phố Lạng Sơn) #1"
CRS_NAMES = {
    "EPSG:4326": "WGS 84",
    "EPSG:9215": "VN-2000 / TM-3 107-15",
    "EPSG:3405": "VN-2000 / UTM zone 48N",
}
READ_OPTIONS = {
    "csv": ["-oo", "X_POSSIBLE_NAMES=lon,x", "-oo", "Y_POSSIBLE_NAMES=lat,y"],
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[TestClient]:
    settings = demo_settings(tmp_path_factory.mktemp("export"), sqlite_template)
    with TestClient(create_app(settings, scheduler=False)) as client:
        yield client


def _save(api: TestClient, tmp: Path, url: str) -> Path:
    response = api.get(url)
    assert response.status_code == 200, response.text
    name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"])
    assert name is not None
    path = tmp / name.group(1)
    path.write_bytes(response.content)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = sorted(archive.namelist())
            archive.extractall(tmp)
        assert {Path(n).suffix for n in names} >= {".shp", ".shx", ".dbf", ".prj", ".cpg"}
        return tmp / next(n for n in names if n.endswith(".shp"))
    return path


def _ogrinfo(path: Path, fmt: str, *args: str) -> str:
    done = subprocess.run(
        ["ogrinfo", "-ro", "-al", *READ_OPTIONS.get(fmt, []), *args, str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


CASES = [
    pytest.param(fmt, crs, id=f"{fmt}-{crs.split(':')[1]}")
    for fmt in ("geojson", "gpkg", "shp", "kml", "csv", "fgb")
    for crs in CRS_NAMES
    if not (fmt == "kml" and crs != "EPSG:4326")
]


@pytest.mark.parametrize(("fmt", "crs"), CASES)
def test_points_export_reads_back(api: TestClient, tmp_path: Path, fmt: str, crs: str) -> None:
    path = _save(api, tmp_path, f"/export/monitoring-points?format={fmt}&crs={crs}")
    summary = _ogrinfo(path, fmt, "-so")
    assert "Feature Count: 163\n" in summary
    if fmt != "csv":  # CSV carries its CRS in the file name and a column, not in GDAL metadata
        assert CRS_NAMES[crs] in summary
    detail = _ogrinfo(path, fmt, "-where", "id = 'LS-NM-001'")
    assert NAME in detail  # Vietnamese text intact
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(*POINT)
    found = re.search(r"POINT \(([-\d.]+) ([-\d.]+)", detail)
    assert found is not None
    tolerance = 1e-7 if crs == "EPSG:4326" else 0.01  # 1 cm in VN-2000 metres
    assert float(found.group(1)) == pytest.approx(x, abs=tolerance)
    assert float(found.group(2)) == pytest.approx(y, abs=tolerance)


@pytest.mark.parametrize("crs", list(CRS_NAMES))
def test_zone_export_in_vn2000_keeps_polygons(api: TestClient, tmp_path: Path, crs: str) -> None:
    path = _save(api, tmp_path, f"/export/flood-zones?format=gpkg&crs={crs}")
    summary = _ogrinfo(path, "gpkg", "-so")
    assert "Feature Count: 4\n" in summary and "Multi Polygon" in summary
    assert "Vùng ngập sông Kỳ Cùng cấp 5" in _ogrinfo(path, "gpkg", "-where", "level = 5")


def test_export_applies_the_item_filters(api: TestClient, tmp_path: Path) -> None:
    url = "/export/monitoring-points?format=geojson&medium=groundwater&bbox=106.7,21.7,107.0,22.0"
    items = api.get(
        "/ogc/collections/monitoring-points/items?medium=groundwater&bbox=106.7,21.7,107.0,22.0"
    ).json()
    path = _save(api, tmp_path, url)
    assert f"Feature Count: {items['numberMatched']}\n" in _ogrinfo(path, "geojson", "-so")
    assert 0 < items["numberMatched"] < 30


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("/export/stations?format=kml&crs=EPSG:9215", "KML", id="kml-vn2000"),
        pytest.param("/export/stations?format=dxf", "unsupported format", id="format"),
        pytest.param("/export/stations?crs=EPSG:3857", "unsupported CRS", id="crs"),
        pytest.param("/export/stations?bbox=1,2,3", "bbox", id="bbox"),
        pytest.param("/export/stations?colour=red", "unknown parameter", id="property"),
    ],
)
def test_bad_export_requests_are_400(api: TestClient, url: str, message: str) -> None:
    response = api.get(url)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_unknown_collection_is_404(api: TestClient) -> None:
    assert api.get("/export/rivers?format=gpkg").status_code == 404
