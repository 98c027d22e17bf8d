"""Point exports in wide form (one numeric column per parameter), stable numeric types, and the
long-form ``results`` table in the GeoPackage; read back with GDAL's ogrinfo (issue 21)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.service import test_ogc_filter as base

api = base.api  # demo layers with the demo's laboratory rounds

pytestmark = pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin")


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_gpkg_points_are_wide_numeric_with_a_long_results_table(api: Any, tmp_path: Path) -> None:
    points = api.get("/ogc/collections/monitoring-points/items", params={"limit": 10000}).json()
    with_results = [f for f in points["features"] if f["properties"].get("results")]
    assert with_results, "the demo rounds give some points results"
    codes = sorted({c for f in with_results for c in f["properties"]["results"]})
    res = api.get("/export/monitoring-points", params={"format": "gpkg", "crs": "EPSG:9215"})
    assert res.status_code == 200
    path = tmp_path / "points.gpkg"
    path.write_bytes(res.content)
    info = _ogrinfo("-so", str(path), "monitoring-points")
    fields = dict(re.findall(r"^(\w+): (\w+)", info, re.MULTILINE))
    for code in codes:
        column = re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
        assert fields.get(column) == "Real", (code, fields.get(column))
    assert fields["wqi"] == "Real" and fields["flood_level"] == "Integer64"
    assert "results" not in fields  # no JSON blob column any more
    table = _ogrinfo("-so", str(path), "results")
    count = int(re.search(r"Feature Count: (\d+)", table).group(1))  # type: ignore[union-attr]
    assert count == sum(len(f["properties"]["results"]) for f in with_results)
    assert re.search(r"^value: Real", table, re.MULTILINE)

    # Shapefile: documented short names, and the mapping shipped beside the layer.
    shp = api.get("/export/monitoring-points", params={"format": "shp", "crs": "EPSG:9215"})
    with zipfile.ZipFile(io.BytesIO(shp.content)) as archive:
        archive.extractall(tmp_path / "shp")
        sidecar = archive.read("monitoring-points_EPSG9215.fields.csv").decode("utf-8-sig")
    dbf = _ogrinfo("-so", "-al", str(tmp_path / "shp" / "monitoring-points_EPSG9215.shp"))
    assert re.search(r"^ls_lvl_vi: String", dbf, re.MULTILINE), dbf
    assert "landslid_1" not in dbf
    assert "ls_lvl_vi,landslide_level_vi," in sidecar

    # Stable types: a page with no WQI at all (groundwater only) still writes wqi as a number.
    res = api.get(
        "/export/monitoring-points",
        params={"format": "gpkg", "crs": "EPSG:4326", "medium": "groundwater"},
    )
    path = tmp_path / "gw.gpkg"
    path.write_bytes(res.content)
    fields = dict(
        re.findall(r"^(\w+): (\w+)", _ogrinfo("-so", str(path), "monitoring-points"), re.M)
    )
    assert fields["wqi"] == "Real" and fields["landslide_level"].startswith("Integer")


def test_gpkg_parameter_columns_carry_their_unit_as_field_alias(api: Any, tmp_path: Path) -> None:
    """QGIS shows a GeoPackage field's alias from ``gpkg_data_columns`` (GDAL's alternative
    name): each parameter column of the wide point export is named there with its unit."""
    points = api.get("/ogc/collections/monitoring-points/items", params={"limit": 10000}).json()
    units: dict[str, set[str]] = {}
    for f in points["features"]:
        for code, r in (f["properties"].get("results") or {}).items():
            units.setdefault(code, set()).add(r.get("unit"))
    assert units, "the demo rounds give some points results"
    res = api.get("/export/monitoring-points", params={"format": "gpkg"})
    path = tmp_path / "points.gpkg"
    path.write_bytes(res.content)
    sql = "SELECT column_name, name FROM gpkg_data_columns WHERE table_name = 'monitoring-points'"
    rows = dict(
        re.findall(
            r"column_name \(String\) = (\S+)\n\s+name \(String\) = (.+)",
            _ogrinfo(str(path), "-sql", sql),
        )
    )
    for code, seen in units.items():
        column = re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
        alias = rows.get(column)
        assert alias is not None and alias.startswith(code), (code, alias)
        for unit in seen - {None}:
            assert unit in alias, (code, unit, alias)
    extension = _ogrinfo(str(path), "-sql", "SELECT extension_name FROM gpkg_extensions")
    assert "gpkg_schema" in extension
