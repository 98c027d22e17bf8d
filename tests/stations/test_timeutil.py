"""Time parsing shared by the API and the CLI: offsets, local defaults, a "+" lost in a URL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stations.timeutil import VN_OFFSET, parse_iso_time

T0 = int(datetime(2026, 11, 20, 1, 0, tzinfo=UTC).timestamp())  # 08:00 in Vietnam

CASES = [
    pytest.param("2026-11-20T08:00:00+07:00", T0, id="explicit-offset"),
    pytest.param("2026-11-20T01:00:00Z", T0, id="zulu"),
    pytest.param("2026-11-20T08:00:00", T0, id="naive-is-local"),
    pytest.param("2026-11-20 08:00", T0, id="space-separator-is-local"),
    pytest.param("2026-11-20T08:00:00 07:00", T0, id="plus-lost-in-query-string"),
    pytest.param("  2026-11-20T08:00+07:00 ", T0, id="surrounding-blanks"),
    pytest.param("2026-11-20", T0 - 8 * 3600, id="date-only-is-local-midnight"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_iso_time(text: str, expected: int) -> None:
    assert parse_iso_time(text, VN_OFFSET) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "2026-11-20T25:00"])
def test_bad_times_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_time(text, VN_OFFSET)
