"""GET /api/stations/{id}/readings?format=csv|xlsx: a table officers open in Excel, with
Vietnamese headers, the unit in its own column and local times (issue 21)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from tests.service import test_readings_api as base

loaded = base.loaded  # one station with a day of history and a calibration window

URL = "/api/stations/LS_XMDB_KHI01/readings"
WINDOW = {"start": "2026-11-20T07:00:00+07:00", "end": "2026-11-20T09:00:00+07:00"}


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_raw_csv_has_units_local_times_status_and_flags(client, loaded) -> None:  # type: ignore[no-untyped-def]
    res = client.get(URL, params={"parameter": "Dust", "format": "csv", **WINDOW})
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("text/csv")
    assert (
        'filename="LS_XMDB_KHI01_raw_2026-11-20_2026-11-20.csv"'
        in res.headers["content-disposition"]
    )
    assert res.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    rows = _csv(res.content.decode("utf-8-sig"))
    assert len(rows) == 24
    first = rows[0]
    assert first["Thời gian, giờ địa phương (local time)"] == "2026-11-20 07:00"
    assert first["Đơn vị (unit)"] == "mg/Nm³"
    assert first["Thông số (name)"] and first["Mã thông số (parameter)"] == "Dust"
    calibrating = [r for r in rows if r["Trạng thái thiết bị (device status)"].startswith("01")]
    assert len(calibrating) == 2
    assert all(r["Hợp lệ (valid)"] == "không / no" for r in calibrating)
    assert all("calibrating" in r["Cờ kiểm tra QC (QC flags)"] for r in calibrating)


def test_hour_xlsx_matches_the_json_means(client, loaded) -> None:  # type: ignore[no-untyped-def]
    params = {"parameter": "Dust", "interval": "hour", **WINDOW}
    body = client.get(URL, params=params).json()
    res = client.get(URL, params={**params, "format": "xlsx"})
    assert res.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(res.content))["so_lieu"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[5] == "Trung bình (mean)" and header[3] == "Đơn vị (unit)"
    points = body["series"][0]["points"]
    assert [r[5] for r in rows] == pytest.approx([p["mean"] for p in points])
    assert [r[8] for r in rows] == [p["n_valid"] for p in points] == [12, 10]


def test_unknown_format_is_a_400(client, loaded) -> None:  # type: ignore[no-untyped-def]
    res = client.get(URL, params={"format": "pdf"})
    assert res.status_code == 400
    assert "csv" in res.json()["detail"]


def test_station_page_shows_the_table_and_links_the_downloads(client, loaded) -> None:  # type: ignore[no-untyped-def]
    res = client.get(
        "/map/stations/LS_XMDB_KHI01",
        params={"parameter": "Dust", "interval": "raw", "start": "2026-11-20", "end": "2026-11-21"},
    )
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    html = res.text
    assert "Thời gian, giờ địa phương (local time)" in html and "mg/Nm³" in html
    assert html.count('class="invalid"') == 2  # the calibrating readings, marked
    assert 'href="/api/stations/LS_XMDB_KHI01/readings?parameter=Dust&amp;interval=raw' in html
    assert "format=xlsx" in html and "format=csv" in html
    bad = client.get("/map/stations/LS_XMDB_KHI01", params={"start": "yesterday"})
    assert bad.status_code == 400 and "ISO 8601" in bad.text
    assert client.get("/map/stations/NO_SUCH").status_code == 404
