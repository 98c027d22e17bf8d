"""GDAL's OAPIF driver (ogrinfo, ogr2ogr) reads every collection from a real server."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.layers.helpers import demo_settings, live_server

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs gdal-bin"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[str]:
    settings = demo_settings(tmp_path_factory.mktemp("ogc-gdal"), sqlite_template)
    with live_server(settings) as base:
        yield base


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("collection", "count", "geometry", "extent"),
    [
        pytest.param(
            "stations", 13, "Point", (106.2834, 21.5061, 106.9825, 21.9172), id="stations"
        ),
        pytest.param(
            "monitoring-points", 163, "Point", (106.24296, 21.46598, 107.14537, 22.34006),
            id="points",
        ),
        pytest.param(
            "landslide-zones", 5, "Multi Polygon", (106.09, 21.32, 107.37, 22.47), id="landslide"
        ),
        pytest.param("flood-zones", 4, "Multi Polygon", (106.65, 21.76, 106.92, 21.95), id="flood"),
        pytest.param(
            "communes", 1, "Multi Polygon", (106.0957, 21.3262, 107.3643, 22.4619), id="communes"
        ),
    ],
)  # fmt: skip
def test_ogrinfo_reports_count_geometry_and_extent(
    server: str, collection: str, count: int, geometry: str, extent: tuple[float, ...]
) -> None:
    out = _ogrinfo("-so", f"OAPIF:{server}/ogc", collection)
    assert f"Feature Count: {count}\n" in out
    assert f"Geometry: {geometry}\n" in out
    found = re.search(r"Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)", out)
    assert found is not None
    assert [float(v) for v in found.groups()] == pytest.approx(extent, abs=0.011)


def test_ogr2ogr_copies_a_collection_to_geopackage(server: str, tmp_path: Path) -> None:
    target = tmp_path / "points.gpkg"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server}/ogc", "monitoring-points"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = _ogrinfo("-so", str(target), "monitoring-points")
    assert "Feature Count: 163\n" in out
    feature = _ogrinfo(str(target), "monitoring-points", "-where", "id = 'LS-NM-001'")
    assert "Nước mặt — Kỳ Lừa (Thành phố Lạng Sơn) #1" in feature


def test_ogr2ogr_pages_through_small_pages(server: str, tmp_path: Path) -> None:
    # A page size far below the count forces GDAL to follow our rel=next links.
    target = tmp_path / "paged.gpkg"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server}/ogc", "monitoring-points",
         "-oo", "PAGE_SIZE=20"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Feature Count: 163\n" in _ogrinfo("-so", str(target), "monitoring-points")
