"""Time parsing shared by the API and the CLI: offsets, local defaults, a "+" lost in a URL."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from stations.timeutil import VN_OFFSET, epoch_to_local_iso, local_isos, parse_iso_time

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


@pytest.mark.parametrize(
    "zone",
    [
        "Asia/Ho_Chi_Minh",  # the display zone: +07:00 since 1975, LMT +07:06:40 before 1906
        "Europe/Paris",  # DST changes at 01:00 UTC
        "Australia/Lord_Howe",  # a 30-minute DST shift
        "America/St_Johns",  # a negative half-hour offset with DST
        "Pacific/Apia",  # skipped a whole day in 2011
        "UTC",
    ],
)
def test_local_isos_match_one_by_one(zone: str) -> None:
    tz = ZoneInfo(zone)
    rng = random.Random(zone)
    stamps = [rng.randint(-2_300_000_000, 4_000_000_000) for _ in range(3000)]
    stamps += range(1_792_960_000, 1_793_000_000, 60)  # minutes across October 2026's changes
    stamps += range(1_301_000_000, 1_301_100_000, 59)  # and those of March-April 2011
    stamps += range(-2_208_988_800, -2_208_900_000, 977)  # 1900
    assert local_isos(stamps, tz) == {t: epoch_to_local_iso(t, tz) for t in stamps}
