"""The administrator's overlay on the cited limit files: identity, merging, cache, validation.

Values here are obviously test values (777, 12345): never a regulatory figure.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from stations.compliance.rules import resolve_limits
from stations.errors import ImportRejected
from stations.limits import configure_overrides, load_limits, overrides_path
from stations.limits.loader import format_limits_csv, package_table, parse_limits_csv
from stations.limits.model import Confidence, Limit
from stations.limits.overrides import identity, merge_overrides, row_key
from stations.programme.limits import default_index

DAY = date(2026, 3, 1)
NO2 = ("QCVN 05:2023/BTNMT", "NO2", "1h")
TEST_CITATION = "TEST ONLY — not a regulatory value"


@pytest.fixture
def overlay(tmp_path: Path) -> Iterator[Path]:
    """A configured (not yet existing) overlay file; the package table alone afterwards."""
    path = tmp_path / "limits" / "overrides.csv"
    configure_overrides(path)
    yield path
    configure_overrides(None)


def _package_row(regulation: str, parameter: str, averaging: str, **kw: object) -> Limit:
    row = package_table().find(regulation, parameter, averaging, day=DAY, **kw)  # type: ignore[arg-type]
    assert row is not None
    return row


def _write(path: Path, rows: list[Limit]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_limits_csv(rows), encoding="utf-8")


def test_the_csv_writer_round_trips_every_package_row() -> None:
    rows = package_table().rows
    again = parse_limits_csv(format_limits_csv(rows), "copy.csv")
    strip = [dataclasses.replace(r, source="") for r in rows]
    assert [dataclasses.replace(r, source="") for r in again] == strip


def test_keys_are_unique_and_do_not_depend_on_the_value() -> None:
    rows = package_table().rows
    assert len({row_key(r) for r in rows}) == len(rows)
    row = _package_row(*NO2)
    edited = dataclasses.replace(row, value=777.0, citation=TEST_CITATION, note="x")
    assert row_key(edited) == row_key(row)
    # The regulation is matched by its code: a hand-written overlay may shorten the name.
    assert identity(dataclasses.replace(row, regulation="qcvn 05:2023")) == identity(row)


MERGE_CASES = [
    pytest.param("replace", 0, id="same-identity-replaces"),
    pytest.param("add", 1, id="new-identity-adds"),
]


@pytest.mark.parametrize(("kind", "extra_rows"), MERGE_CASES)
def test_merge(kind: str, extra_rows: int) -> None:
    package = list(package_table().rows)
    row = _package_row(*NO2)
    if kind == "replace":
        new = dataclasses.replace(row, value=777.0)
    else:
        new = dataclasses.replace(row, averaging="8h", value=777.0)
    merged = merge_overrides(package, [new])
    assert len(merged) == len(package) + extra_rows
    assert new in merged
    assert (row in merged) == (kind == "add")


def test_two_overlay_rows_with_one_identity_are_refused() -> None:
    row = _package_row(*NO2)
    a = dataclasses.replace(row, value=777.0, source="overrides.csv:2")
    b = dataclasses.replace(row, value=778.0, source="overrides.csv:3")
    with pytest.raises(ImportRejected, match=r"same row as overrides\.csv:2"):
        merge_overrides(package_table().rows, [a, b])


def test_load_limits_applies_the_overlay_and_sees_edits_without_restart(overlay: Path) -> None:
    assert overrides_path() == overlay
    assert load_limits() is package_table()  # no file yet: the package table itself
    row = _package_row(*NO2)
    _write(overlay, [dataclasses.replace(row, value=777.0, citation=TEST_CITATION)])
    first = load_limits()
    found = first.find(*NO2, day=DAY)
    assert found is not None and found.value == 777.0 and found.citation == TEST_CITATION
    assert load_limits() is first  # unchanged file: cached (one stat per call)
    _write(overlay, [dataclasses.replace(row, value=12345.0, citation=TEST_CITATION)])
    found = load_limits().find(*NO2, day=DAY)
    assert found is not None and found.value == 12345.0
    overlay.unlink()
    assert load_limits() is package_table()
    assert load_limits(package_table_dir()) is not package_table()  # a folder: no overlay


def package_table_dir() -> Path:
    from stations.limits import LIMITS_DIR

    return LIMITS_DIR


def test_the_compliance_rules_and_the_programme_use_the_overlay(overlay: Path) -> None:
    params = {"NO2": "µg/Nm³"}
    found, _ = resolve_limits("air", params, None, DAY)
    assert {(a.averaging, a.value) for a in found} >= {("1h", 200.0)}
    _write(overlay, [dataclasses.replace(_package_row(*NO2), value=777.0)])
    found, _ = resolve_limits("air", params, None, DAY)
    assert ("1h", 777.0) in {(a.averaging, a.value) for a in found}
    # The periodic programme reads the same table (noise has no value in the package files).
    noise = next(r for r in package_table() if r.parameter == "LAeq" and r.missing)
    at = 1_780_000_000
    assert default_index().select("noise", "LAeq", "sample", at).missing  # type: ignore[union-attr]
    filled = dataclasses.replace(noise, value=777.0, confidence=Confidence.LOW)
    _write(overlay, [filled])
    selected = default_index().select("noise", "LAeq", "sample", at)
    assert selected is not None and selected.value == 777.0


BAD_OVERLAYS = [
    pytest.param({"value": 777.0, "low": 1.0}, "not both", id="value-and-range"),
    pytest.param(
        {"value": None, "confidence": Confidence.HIGH}, "no value", id="empty-not-missing"
    ),
    pytest.param({"effective_from": date(2024, 1, 1)}, "overlaps", id="overlaps-the-package-row"),
]


@pytest.mark.parametrize(("change", "message"), BAD_OVERLAYS)
def test_a_bad_overlay_is_refused_on_every_call(
    overlay: Path, change: dict[str, object], message: str
) -> None:
    _write(overlay, [dataclasses.replace(_package_row(*NO2), **change)])
    for _ in range(2):
        with pytest.raises(ImportRejected, match=message):
            load_limits()
    overlay.write_text(format_limits_csv([]), encoding="utf-8")
    os.utime(overlay, ns=(1, 1))  # a different signature even within one clock tick
    assert load_limits().find(*NO2, day=DAY).value == 200.0  # type: ignore[union-attr]
