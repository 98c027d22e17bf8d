"""Limits as cited data: every row of the compliance engine's files, lookups, and the loader's
refusals. Expected values: tests/fixtures/compliance/limit_cases.csv (citation per row)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from stations.errors import ImportRejected
from stations.limits import Confidence, load_limits, parse_limits_csv, regulation_code
from stations.limits.loader import COLUMNS
from stations.parameters import catalogue

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "compliance" / "limit_cases.csv"
OUR_FILES = {
    "qcvn05_2013.csv", "qcvn05_2023.csv", "qcvn14_2008.csv", "qcvn14_2025.csv",
    "qcvn19_2009.csv", "qcvn19_2024.csv", "qcvn22_2009.csv", "qcvn40_2011.csv",
    "qcvn40_2025.csv",
}  # fmt: skip


def _cases() -> list[pytest.param]:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        pytest.param(
            r,
            id=f"{regulation_code(r['regulation'])}-{r['parameter']}-{r['averaging']}"
            f"-{r['column'] or 'all'}-{r['day']}",
        )
        for r in rows
    ]


def _num(text: str) -> float | None:
    return float(text) if text else None


@pytest.mark.parametrize("case", _cases())
def test_every_limit_row(case: dict[str, str]) -> None:
    row = load_limits().find(
        case["regulation"],
        case["parameter"],
        case["averaging"],
        column=case["column"] or None,
        day=date.fromisoformat(case["day"]),
    )
    assert row is not None, case["citation"]
    assert (row.value, row.low, row.high) == (
        _num(case["value"]),
        _num(case["low"]),
        _num(case["high"]),
    ), case["citation"]
    assert row.unit == case["unit"]
    assert row.confidence.value == case["confidence"]
    assert row.citation and row.regulation in row.citation


def test_the_fixture_covers_every_row_of_our_files() -> None:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        covered = {
            (
                regulation_code(r["regulation"]),
                r["parameter"],
                r["averaging"],
                r["column"],
                r["day"],
            )
            for r in csv.DictReader(fh)
        }
    ours = [r for r in load_limits() if r.source.split(":")[0] in OUR_FILES]
    assert len(ours) == len(covered)
    for row in ours:
        matching = {
            c for c in covered if c[:4] == (regulation_code(row.regulation), row.parameter,
                                            row.averaging, row.column_class or "")
        }  # fmt: skip
        assert any(row.in_force(date.fromisoformat(c[4])) for c in matching), row.source


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2023, 9, 11), None, id="before-05:2023-in-force"),
        pytest.param(date(2023, 9, 12), 50.0, id="first-day-05:2023"),
        pytest.param(date(2025, 12, 31), 50.0, id="last-day-of-50"),
        pytest.param(date(2026, 1, 1), 45.0, id="first-day-of-45"),
    ],
)
def test_pm25_24h_falls_to_45_on_2026_01_01(day: date, expected: float | None) -> None:
    # QCVN 05:2023/BTNMT Bảng 1 note: 50 µg/Nm³, 45 from 01/01/2026 (regulations.md §3.1).
    row = load_limits().find("QCVN 05:2023/BTNMT", "PM2.5", "24h", day=day)
    assert (row.value if row else None) == expected


def test_replacements_are_modelled_with_empty_values_to_fill_in() -> None:
    # QCVN 19:2024 (2025-07-01), 40:2025 and 14:2025 (2025-09-01): values NOT FOUND (§4.2-5.2).
    for name, start in (("QCVN 19:2024", date(2025, 7, 1)), ("QCVN 40:2025", date(2025, 9, 1)),
                        ("QCVN 14:2025", date(2025, 9, 1))):  # fmt: skip
        rows = load_limits().for_regulation(name)
        assert rows, name
        for row in rows:
            assert row.missing and row.confidence is Confidence.MISSING
            assert row.effective_from == start
            assert "enter from the official text" in row.note


def test_every_parameter_code_of_ours_is_in_the_catalogue() -> None:
    codes = {r.parameter for r in load_limits() if r.source.split(":")[0] in OUR_FILES}
    assert codes - set(catalogue()) == set()


HEADER = ",".join(COLUMNS)
GOOD = "QCVN 99:2030/BTNMT,1,wastewater,COD,sample,B,100,,,mg/L,2030-01-01,,yes,cite,high,"
BAD_ROWS = [
    pytest.param(GOOD.replace(",sample,", ",2h,"), "averaging", id="unknown-averaging"),
    pytest.param(GOOD.replace(",B,", ",E,"), "column_class", id="unknown-column"),
    pytest.param(GOOD.replace(",100,", ",abc,"), "value", id="value-not-a-number"),
    pytest.param(GOOD.replace(",100,,,", ",100,6,9,"), "value (a maximum)", id="value-and-range"),
    pytest.param(GOOD.replace(",100,,,", ",,9,6,"), "low 9.0 > high", id="range-reversed"),
    pytest.param(GOOD.replace(",high,", ",sure,"), "confidence", id="bad-confidence"),
    pytest.param(GOOD.replace(",100,", ",,"), "set confidence 'missing'", id="empty-not-missing"),
    pytest.param(GOOD.replace(",high,", ",missing,"), "but a value", id="missing-with-value"),
    pytest.param(GOOD.replace("2030-01-01", "01/01/2030"), "YYYY-MM-DD", id="bad-date"),
    pytest.param(GOOD.replace(",yes,", ",maybe,"), "applies_coefficients", id="bad-yes-no"),
    pytest.param(GOOD.replace(",cite,", ",,"), "citation", id="no-citation"),
]


@pytest.mark.parametrize(("line", "message"), BAD_ROWS)
def test_loader_refuses_a_bad_row_naming_it(line: str, message: str) -> None:
    text = f"{HEADER}\n{GOOD}\n{line}\n"
    with pytest.raises(ImportRejected) as info:
        parse_limits_csv(text, "officer.csv")
    assert [e.row for e in info.value.errors] == [3] * len(info.value.errors)
    assert message in str(info.value)


def test_overlapping_rows_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(f"{HEADER}\n{GOOD}\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(f"{HEADER}\n{GOOD.replace(',100,', ',90,')}\n", "utf-8")
    with pytest.raises(ImportRejected, match="overlaps"):
        load_limits(tmp_path)


def test_an_officer_fills_in_a_value_without_a_code_change(tmp_path: Path) -> None:
    source = Path(load_limits().for_regulation("QCVN 40:2025")[0].source.split(":")[0])
    from stations.limits.loader import LIMITS_DIR

    text = (LIMITS_DIR / source).read_text(encoding="utf-8")
    old = next(line for line in text.splitlines() if ",COD,sample,B," in line)
    new = old.replace(",B,,,,", ",B,120,,,").replace(",missing,", ",high,")
    (tmp_path / source.name).write_text(text.replace(old, new), encoding="utf-8")
    row = load_limits(tmp_path).find("QCVN 40:2025", "COD", "sample", column="B",
                                     day=date(2026, 1, 1))  # fmt: skip
    assert row is not None and row.value == 120 and not row.missing
