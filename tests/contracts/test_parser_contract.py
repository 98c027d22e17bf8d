"""The contract every registered parser must keep (stations.parsers.PARSERS): it never raises,
whatever the bytes, and it reads back unchanged the files its own ``render`` writes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stations.parameters import catalogue
from stations.parsers import PARSERS, ParserOptions, Reading, format_for, parse
from stations.parsers.base import STATUSES, ParseOutcome, ReadingParser

FORMAT_IDS = sorted(PARSERS)
OPTIONS = [ParserOptions(), ParserOptions.lenient()]
PARAMETERS = sorted((p.code, p.unit) for p in catalogue().values())
# 2000-01-01 … 2099-12-31 UTC, whole seconds (file stamps carry seconds).
EPOCHS = st.integers(min_value=946_684_800, max_value=4_102_358_400)
VALUES = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)


@st.composite
def station_readings(draw: st.DrawFn) -> tuple[str, list[Reading]]:
    station = draw(st.from_regex(r"LS_[A-Z0-9]{2,8}_[A-Z]{2}[0-9]{2}", fullmatch=True))
    picked = draw(st.lists(st.sampled_from(PARAMETERS), min_size=1, max_size=6, unique=True))
    at = draw(EPOCHS)
    status = draw(st.sampled_from(sorted(STATUSES)))
    readings = [Reading(station, code, at, draw(VALUES), unit, status) for code, unit in picked]
    return station, readings


@pytest.mark.parametrize("fmt", FORMAT_IDS)
@pytest.mark.parametrize("options", OPTIONS, ids=["strict", "lenient"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=2048), name=st.text(max_size=40))
def test_never_raises_on_arbitrary_bytes(
    fmt: str, options: ParserOptions, raw: bytes, name: str
) -> None:
    parser: ReadingParser = PARSERS[fmt]
    out = parser.parse(raw, filename=name or f"X_20260101000000{parser.suffix}", options=options)
    assert isinstance(out, ParseOutcome)
    # A file that is refused says why; one that is read has readings.
    assert out.fatal or out.readings


@pytest.mark.parametrize("fmt", FORMAT_IDS)
@settings(max_examples=40, deadline=None)
@given(case=station_readings())
def test_round_trips_its_own_files(fmt: str, case: tuple[str, list[Reading]]) -> None:
    station, readings = case
    parser = PARSERS[fmt]
    name, data = parser.render(station, readings)
    assert name.endswith(parser.suffix) and format_for(name) == fmt  # "auto" finds it
    out = parse(data, name, "auto", ParserOptions())
    assert out.fatal is None and out.errors == []
    assert sorted(out.readings) == sorted(readings)


@pytest.mark.parametrize("fmt", FORMAT_IDS)
def test_every_parser_is_registered_under_its_id_and_suffix(fmt: str) -> None:
    parser = PARSERS[fmt]
    assert parser.format_id == fmt
    assert format_for(f"LS_X_KK01_20260101000000{parser.suffix}") == fmt
    suffixes = [p.suffix for p in PARSERS.values()]
    assert len(set(suffixes)) == len(suffixes)  # "auto" must be unambiguous
