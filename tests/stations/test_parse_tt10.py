"""Circular 10/2021 parser: strict canonical form, documented variants, never raises."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.demo.simulator.model import local_stamp, render_tt10
from stations.parsers import ParserOptions, parse
from stations.parsers.common import stamp_to_epoch, station_from_name, unsafe_name

NAME = "LS_NMNDNA_KHI01_20261120083000.txt"
T = stamp_to_epoch("20261120083000")
CANON = b"Dust\t51.2\tmg/Nm\xc2\xb3\t20261120083000\t00\r\nO2\t9.1\t%\t20261120083000\t01\r\n"

VARIANTS = [
    pytest.param(CANON, ParserOptions(strict=True), 2, 0, None, id="canonical"),
    pytest.param(
        CANON.replace(b"\t", b";"),
        ParserOptions(strict=True, separator="semicolon"),
        2,
        0,
        None,
        id="semicolon-variant",
    ),
    pytest.param(
        CANON.replace(b"\t", b"   "),
        ParserOptions(strict=True, separator="spaces"),
        2,
        0,
        None,
        id="spaces-variant",
    ),
    pytest.param(
        CANON.replace(b"\t", b";"),
        ParserOptions(strict=True, separator="auto"),
        2,
        0,
        None,
        id="auto-separator",
    ),
    pytest.param(
        CANON.replace(b"51.2", b"51,2"),
        ParserOptions(strict=True, decimal_comma=True),
        2,
        0,
        None,
        id="decimal-comma-variant",
    ),
    pytest.param(
        CANON.replace(b"51.2", b"51,2"),
        ParserOptions(strict=True),
        1,
        1,
        None,
        id="decimal-comma-strict-is-line-error",
    ),
    pytest.param(
        b"\xef\xbb\xbf" + CANON, ParserOptions(strict=True, bom=True), 2, 0, None, id="bom-variant"
    ),
    pytest.param(b"\xef\xbb\xbf" + CANON, ParserOptions(strict=True), 0, 0, "BOM", id="bom-strict"),
    pytest.param(
        CANON.replace(b"\r\n", b"\n"),
        ParserOptions(strict=True, lf=True),
        2,
        0,
        None,
        id="lf-variant",
    ),
    pytest.param(
        CANON.replace(b"\r\n", b"\n"), ParserOptions(strict=True), 0, 0, "LF", id="lf-strict"
    ),
    pytest.param(
        CANON.replace(b"Dust", b"PM"),
        ParserOptions(strict=True),
        2,
        0,
        None,
        id="table34-symbol-PM-always-accepted",
    ),
    pytest.param(
        CANON.replace(b"Dust", b"Bui"),
        ParserOptions(strict=True),
        1,
        1,
        None,
        id="common-alias-strict-rejected",
    ),
    pytest.param(
        CANON.replace(b"Dust", b"Bui"),
        ParserOptions(strict=True, aliases=True),
        2,
        0,
        None,
        id="common-alias-variant",
    ),
    pytest.param(CANON[:-2], ParserOptions(strict=True), 2, 0, None, id="no-final-crlf"),
]


@pytest.mark.parametrize(("raw", "options", "n_readings", "n_errors", "fatal"), VARIANTS)
def test_variants(
    raw: bytes, options: ParserOptions, n_readings: int, n_errors: int, fatal: str | None
) -> None:
    out = parse(raw, NAME, "tt10", options)
    assert len(out.readings) == n_readings
    assert len(out.errors) == n_errors
    if fatal:
        assert out.fatal is not None and fatal in out.fatal
    else:
        assert out.fatal is None
        assert out.readings[0].station_id == "LS_NMNDNA_KHI01"
        assert out.readings[0].observed_at == T


def test_canonical_values_units_status_and_local_time() -> None:
    out = parse(CANON, NAME, "tt10", ParserOptions(strict=True))
    dust, o2 = out.readings
    assert (dust.parameter, dust.value, dust.unit, dust.status) == ("Dust", 51.2, "mg/Nm³", "00")
    assert (o2.parameter, o2.status) == ("O2", "01")
    assert T == 1795138200  # 2026-11-20 08:30 at UTC+7 is 01:30 UTC


def test_aliases_map_pm25_spellings() -> None:
    for spelling in (b"PM2,5", b"PM25", b"pm2.5"):
        raw = spelling + b"\t12\t\xc2\xb5g/Nm\xc2\xb3\t20261120083000\t00\r\n"
        out = parse(
            raw,
            "LS_SONNMT_KK01_20261120083000.txt",
            "tt10",
            ParserOptions(strict=True, aliases=True),
        )
        assert [r.parameter for r in out.readings] == ["PM2.5"], spelling


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(NAME, ("LS_NMNDNA_KHI01", "20261120083000"), id="canonical"),
        pytest.param("ls_x_k1_20261120083000.TXT", ("ls_x_k1", "20261120083000"), id="case"),
        pytest.param("LS_X_2026112008300.txt", None, id="13-digit-stamp"),
        pytest.param("LS_X_20261120083000.csv", None, id="not-txt"),
    ],
)
def test_file_names(name: str, expected: tuple[str, str] | None) -> None:
    assert station_from_name(name) == expected


@pytest.mark.parametrize("name", ["../x.txt", "/etc/passwd", "a\\b.txt", "..", "a\x00b"])
def test_unsafe_names(name: str) -> None:
    assert unsafe_name(name) is not None


@settings(max_examples=300, deadline=None)
@given(
    raw=st.binary(max_size=2000),
    fmt=st.sampled_from(["tt10", "csv", "json"]),
    lenient=st.booleans(),
)
def test_parser_never_raises_on_arbitrary_bytes(raw: bytes, fmt: str, lenient: bool) -> None:
    options = ParserOptions.lenient() if lenient else ParserOptions(strict=True)
    out = parse(raw, NAME, fmt, options)
    assert out.fatal is not None or out.readings or out.errors or fmt == "json"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(["tt10", "csv", "json"]))
def test_parser_never_raises_on_arbitrary_text(text: str, fmt: str) -> None:
    parse(text.encode("utf-8", "surrogatepass"), NAME, fmt, ParserOptions.lenient())


PARAMS = ["PM2.5", "PM10", "SO2", "NO2", "CO", "O3", "Temp", "RH"]
UNITS = {"Temp": "°C", "RH": "%"}


@settings(max_examples=200, deadline=None)
@given(
    t=st.integers(min_value=946_684_800, max_value=4_102_444_800),
    lines=st.lists(
        st.tuples(
            st.sampled_from(PARAMS),
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
            st.sampled_from(["00", "01", "02"]),
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_generated_valid_files_round_trip(t: int, lines: list[tuple[str, float, str]]) -> None:
    t -= t % 60
    rows = [(p, v, UNITS.get(p, "µg/Nm³"), s) for p, v, s in lines]
    name, raw = render_tt10("LS_SONNMT_KK01", t, rows)
    assert name == f"LS_SONNMT_KK01_{local_stamp(t)}.txt"
    out = parse(raw, name, "tt10", ParserOptions(strict=True))
    assert out.fatal is None and out.errors == []
    assert [(r.parameter, r.value, r.unit, r.status) for r in out.readings] == rows
    assert {r.observed_at for r in out.readings} == {t}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_stamp_arithmetic_matches_the_calendar(stamp: str) -> None:
    from datetime import datetime, timedelta, timezone

    try:
        local = datetime(
            int(stamp[:4]),
            int(stamp[4:6]),
            int(stamp[6:8]),
            int(stamp[8:10]),
            int(stamp[10:12]),
            int(stamp[12:14]),
            tzinfo=timezone(timedelta(hours=7)),
        )
    except ValueError:
        expected = None
    else:
        expected = int(local.timestamp())
    assert stamp_to_epoch(stamp) == expected


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Bụi\t1\tmg/Nm³\t20261120083000\t00", "unknown parameter"),
        ("Dust\t1\tmg/Nm³\t20261120083000", "expected 5 fields, found 4"),
        ("Dust\tnan\tmg/Nm³\t20261120083000\t00", "not a number"),
        ("Dust\t1\tmg/Nm³\t20261131083000\t00", "impossible timestamp"),
        ("Dust\t1\tmg/Nm³\t20261120083000\t03", "unknown status"),
    ],
)
def test_bad_line_reasons_next_to_a_good_line(line: str, reason: str) -> None:
    raw = (line + "\r\n").encode() + CANON
    out = parse(raw, NAME, "tt10", ParserOptions(strict=True))
    assert len(out.readings) == 2 and len(out.errors) == 1
    assert reason in out.errors[0].reason and out.errors[0].line == 1


def test_blank_lines_even_of_tabs_are_skipped() -> None:
    out = parse(b"\t\t\t\t\r\n\r\n" + CANON, NAME, "tt10", ParserOptions(strict=True))
    assert (len(out.readings), out.errors) == (2, [])
