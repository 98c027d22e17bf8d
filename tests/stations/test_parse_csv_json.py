"""CSV and JSON readings parsers."""

from __future__ import annotations

import json

import pytest

from stations.parsers import ParserOptions, format_for, parse

CSV = (
    "station_id,parameter,value,unit,time,status\r\n"
    "LS_SONNMT_KK01,PM2.5,12.5,µg/Nm³,2026-11-20T08:30:00+07:00,00\r\n"
    "LS_SONNMT_KK01,PM10,abc,µg/Nm³,2026-11-20T08:30:00+07:00,00\r\n"
    "LS_SONNMT_KK02,Temp,22,°C,20261120083000,1\r\n"
)


def test_csv_rows_and_line_errors() -> None:
    out = parse(CSV.encode(), "export.csv", "csv", ParserOptions())
    assert [(r.station_id, r.parameter, r.status) for r in out.readings] == [
        ("LS_SONNMT_KK01", "PM2.5", "00"),
        ("LS_SONNMT_KK02", "Temp", "01"),
    ]
    assert out.readings[0].observed_at == out.readings[1].observed_at == 1795138200
    assert [(e.line, "not a number" in e.reason) for e in out.errors] == [(3, True)]


def test_csv_semicolon_decimal_comma_and_missing_columns() -> None:
    text = "parameter;value;unit;time;status\nPM2.5;12,5;µg/Nm³;20261120083000;00\n"
    out = parse(
        text.encode(), "LS_SONNMT_KK01_20261120083000.csv", "csv", ParserOptions(decimal_comma=True)
    )
    assert [r.value for r in out.readings] == [12.5]
    bad = parse(b"a,b\n1,2\n", "x.csv", "csv", ParserOptions())
    assert bad.fatal is not None and "missing column" in bad.fatal


@pytest.mark.parametrize(
    ("doc", "n", "fatal"),
    [
        pytest.param(
            {
                "station_id": "S1",
                "readings": [
                    {
                        "parameter": "PM2.5",
                        "value": 1.5,
                        "unit": "µg/Nm³",
                        "time": "2026-11-20T08:30:00+07:00",
                        "status": "00",
                    }
                ],
            },
            1,
            None,
            id="object",
        ),
        pytest.param(
            [
                {
                    "station": "S1",
                    "readings": [
                        {
                            "parameter": "PM2.5",
                            "value": True,
                            "unit": "x",
                            "time": "2026",
                            "status": "00",
                        },
                        {
                            "parameter": "PM2.5",
                            "value": 2,
                            "unit": "x",
                            "time": "20261120083000",
                            "status": 0,
                        },
                    ],
                }
            ],
            1,
            None,
            id="list-with-a-bad-reading",
        ),
        pytest.param({"readings": []}, 0, "station_id", id="no-station"),
        pytest.param([1, 2], 0, "station objects", id="wrong-shape"),
    ],
)
def test_json_shapes(doc: object, n: int, fatal: str | None) -> None:
    out = parse(json.dumps(doc).encode(), "src.json", "json", ParserOptions())
    assert len(out.readings) == n
    assert (fatal is None) == (out.fatal is None)
    if fatal:
        assert fatal in (out.fatal or "")


def test_deeply_nested_json_is_fatal_not_a_crash() -> None:
    out = parse(b"[" * 100_000, "x.json", "json", ParserOptions())
    assert out.fatal


def test_format_for_extension() -> None:
    assert [format_for(n) for n in ("a.TXT", "b.csv", "c.json", "d")] == [
        "tt10",
        "csv",
        "json",
        "tt10",
    ]
