"""Reading and validating results files: every kind of bad row is named with row and column."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from stations.errors import ImportRejected
from stations.programme.catalogue import lab_catalogue
from stations.programme.results_file import parse_number, read_table, validate_rows
from stations.programme.template import COLUMN_CODES, template_csv, template_xlsx

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "programme"
POINTS = {
    "LS-NM-002": "surface_water",
    "LS-NN-001": "groundwater",
    "LS-KK-001": "ambient_air",
    "LS-TO-001": "noise",
}


def _load(name: str) -> list:
    data = (FIXTURES / name).read_bytes()
    return validate_rows(read_table(data, name), POINTS, name)


def test_a_good_file_converts_units_and_qualifiers() -> None:
    records = {(r.point_id, r.parameter, r.averaging): r for r in _load("good_results.csv")}
    assert len(records) == 8
    arsenic = records[("LS-NM-002", "As", "sample")]
    assert (arsenic.qualifier, arsenic.value, arsenic.unit) == ("<", pytest.approx(0.001), "mg/L")
    assert records[("LS-NM-002", "pH", "sample")].value == 7.2  # decimal comma
    tsp = records[("LS-KK-001", "TSP", "1h")]
    assert (tsp.value, tsp.unit, tsp.value_reported, tsp.unit_reported) == (
        pytest.approx(320),
        "µg/Nm³",
        0.32,
        "mg/Nm3",
    )
    coliform = records[("LS-NN-001", "Coliform", "sample")]
    assert coliform.sampled_at == 1741921200  # 14/03/2025 10:00 UTC+7 = 03:00 UTC


# (row, column, words in the message) — one per line of bad_results.csv after the good row 2
EXPECTED_ERRORS = [
    (3, "point_id", "unknown monitoring point"),
    (4, "parameter", "unknown parameter"),
    (5, "parameter", "not measured in surface_water"),
    (6, "unit", "not convertible"),
    (7, "value", "not a number"),
    (8, "sampled_at", "outside the round"),
    (9, "-", "duplicate of row 2"),
    (10, "round", "round must be between 1 and 2"),
    (11, "averaging", "air needs"),
    (12, "value", "ambiguous"),
    (13, "qualifier", "must be"),
    (14, "sampled_at", "unreadable date"),
]


def test_every_bad_row_is_reported_with_row_and_column() -> None:
    with pytest.raises(ImportRejected) as info:
        _load("bad_results.csv")
    found = [(e.row, e.column, e.message) for e in info.value.errors]
    assert [(r, c) for r, c, _ in found] == [(r, c) for r, c, _ in EXPECTED_ERRORS]
    for (_, _, message), (_, _, words) in zip(found, EXPECTED_ERRORS, strict=True):
        assert words in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("point_id,year\nLS-NM-002,2025\n", "missing column"),
        (",".join(COLUMN_CODES) + "\n", "no rows"),
    ],
    ids=["missing-columns", "no-rows"],
)
def test_structural_problems(text: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as info:
        validate_rows(read_table(text.encode(), "x.csv"), POINTS, "x.csv")
    assert problem in str(info.value)


def test_a_file_in_no_known_encoding_is_refused_clearly() -> None:
    # 0x81 is undefined in UTF-8, Windows-1258 and Windows-1252 (issue 21: a Windows-1258 file
    # saved by Excel is read, see tests/service/test_cli_mistakes.py).
    with pytest.raises(ImportRejected, match="not UTF-8, Windows-1258 or Windows-1252"):
        read_table(b"point_id\x81\n", "x.csv")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("4.2", 4.2), ("4,2", 4.2), (" 1500 ", 1500.0), (7, 7.0), ("0,005", 0.005)],
    ids=["dot", "comma", "spaces", "int", "comma-small"],
)
def test_numbers(cell: object, expected: float) -> None:
    assert parse_number(cell) == expected


@pytest.mark.parametrize("cell", ["1,500", "nan", "inf", "abc", True], ids=str)
def test_refused_numbers(cell: object) -> None:
    with pytest.raises(ValueError):
        parse_number(cell)


def test_xlsx_template_round_trips_through_the_reader() -> None:
    good = read_table((FIXTURES / "good_results.csv").read_bytes(), "good.csv")
    rows = [[cells.get(c, "") for c in COLUMN_CODES] for _, cells in good]
    data = template_xlsx([("LS-NM-002", "Nước mặt", "surface_water", "Cao Lộc", "B")], rows)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["results", "huong_dan", "thong_so", "diem"]
    assert wb["thong_so"].max_row == len(lab_catalogue()) + 1
    records = validate_rows(read_table(data, "t.xlsx"), POINTS, "t.xlsx")
    assert len(records) == 8
    assert template_csv().strip() == ",".join(COLUMN_CODES)


def test_xlsx_rows_are_numbered_as_in_the_spreadsheet_and_dates_are_read() -> None:
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.append(list(COLUMN_CODES))
    ws.append([2025, 1, "LS-NM-002", datetime(2025, 3, 14, 9, 30), "BOD5", 5, "mg/L"])
    ws.append([])  # blank rows are skipped but keep the numbering
    ws.append([2025, 1, "LS-NM-002", datetime(2025, 3, 14, 9, 30), "COD", "x", "mg/L"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRejected) as info:
        validate_rows(read_table(buf.getvalue(), "lab.xlsx"), POINTS, "lab.xlsx")
    assert [(e.row, e.column) for e in info.value.errors] == [(4, "value")]
