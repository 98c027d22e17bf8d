"""The readings API's direct JSON writer gives the bytes the dict path gives (issue 20).

service/web/readings_json.py writes a readings answer from rows without a dict per point; the
documented shape is the dict of :func:`window_body` encoded as FastAPI did. Each case below is
a window of rows that exercises one rule of the encoding (float formats, NULLs, flags, notes,
non-ASCII text, DST offsets, counts); both encodings must give the same text, or both refuse
(NaN and infinity are not JSON). The end-to-end test ingests the field corpus, whose deviating
files carry notes, on both backends and compares the route's bytes page by page.
"""

from __future__ import annotations

import json
import math
import random
import struct
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from service.bootstrap import import_stations
from service.web import readings_json
from service.web.json_answer import encode, encode_text
from service.web.readings_json import window_json
from service.web.readings_paging import decode_cursor
from service.web.readings_window import Window, read_window, window_body
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.qc import Flag
from stations.sites import Site
from stations.store.readings import station_units

ROOT = Path(__file__).resolve().parents[2]
FIELD = ROOT / "tests" / "fixtures" / "tt10" / "field"
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = 1_795_107_600  # 2026-11-20 00:00 +07:00
SITE = Site(
    "S1", "Trạm thử", "station", "air", "air", 106.7, 21.8,
    parameters={"PM2.5": "µg/m³", "NO2": "µg/m³"},
)  # fmt: skip
CAL = int(Flag.CALIBRATING)


def _raw(code: str, values: list[Any], **kw: Any) -> list[tuple[Any, ...]]:
    status, flags, files = kw.get("status", "00"), kw.get("flags", 0), kw.get("files")
    return [
        (code, T0 + 300 * i, v, status, flags, None if files is None else files[i % len(files)])
        for i, v in enumerate(values)
    ]


def _window(interval: str = "raw", **kw: Any) -> Window:
    base = Window("S1", interval, T0, T0 + 86400, HCM, SITE, ["NO2", "PM2.5"], {}, {}, {}, 0)
    return replace(base, **kw)


def _hours(code: str, rows: list[tuple[Any, ...]], day: bool) -> list[tuple[Any, ...]]:
    step = 86400 if day else 3600
    out = []
    for i, (mean, low, high, n_valid, n_total) in enumerate(rows):
        row = (T0 + step * i, mean, low, high, n_valid, n_total, "µg/m³")
        out.append((*row, 24) if day else row)
    return out


FLOATS = [1.0, 20.5, 0.1 + 0.2, 1e-05, 0.0001, 1e16, 123456789.125, -0.0, -3.5, 0, 7, 2.5e-320]
CASES = {
    "float formats": _window(rows={"NO2": _raw("NO2", FLOATS), "PM2.5": _raw("PM2.5", [3.25])}),
    "nulls among values": _window(rows={"NO2": _raw("NO2", [1.5, None, 2.0, None])}),
    "text and booleans among values (SQLite keeps what it is given)": _window(
        rows={"NO2": _raw("NO2", [True, "12.5", 3.0]), "PM2.5": _raw("PM2.5", ["7", 1])}
    ),
    "flags and statuses": _window(
        rows={
            "NO2": _raw("NO2", [1.0, 2.0], status="01", flags=CAL),
            "PM2.5": _raw("PM2.5", [1.0], status='0"\\', flags=CAL | int(Flag.OUT_OF_RANGE)),
        }
    ),
    "notes of some files": _window(
        rows={"NO2": _raw("NO2", [1.0, 2.0, 3.0, 4.0], files=[11, 12, None, 13])},
        notes={11: "đơn vị mg/m³ → µg/m³", 13: ""},
    ),
    "statuses and flags varying within a series, some files noted": _window(
        rows={
            "NO2": [
                (
                    "NO2",
                    T0 + 300 * i,
                    1.5 * i,
                    ("00", "01", "00")[i % 3],
                    (0, CAL, 0)[i % 3],
                    (21, 22, None, 23)[i % 4],
                )
                for i in range(12)
            ],
            "PM2.5": _raw("PM2.5", [1.0, 2.0, 3.0], flags=CAL, files=[22, 24]),
        },
        notes={22: "LF; PM2.5 mg/m³→µg/m³ ×1000", 23: "spaces"},
    ),
    "a non-ASCII note at the last point only": _window(
        rows={"NO2": _raw("NO2", [1.0, 2.0, 3.0], files=[31, 31, 32])},
        notes={32: "NO2 ppb→µg/m³ ×1.88"},
    ),
    "empty series, unknown parameter, stored unit": _window(
        params=["NO2", "XYZ", "CO"],
        rows={"XYZ": _raw("XYZ", [5.0]), "CO": _raw("CO", [0.5])},
        units={"XYZ": "đv", "CO": "mg/m³"},
        conflicts=3,
    ),
    "offsets across a DST change": _window(
        tz=ZoneInfo("Europe/Paris"),
        rows={"NO2": [("NO2", 1_792_880_000 + 600 * i, 1.0, "00", 0, None) for i in range(30)]},
    ),
    "hour means with an empty hour": _window(
        "hour",
        rows={"NO2": _hours("NO2", [(1.5, 1.0, 2.0, 12, 12), (None, None, None, 0, 12)], False)},
    ),
    "day means": _window(
        "day",
        rows={"PM2.5": _hours("PM2.5", [(10 / 3, 0.1, 1e16, 216, 288), (1, 2, 3, 4, 5)], True)},
    ),
    "counts beyond a float": _window(
        "hour", rows={"NO2": _hours("NO2", [(1.0, 1.0, 1.0, 10**400, 12)], False)}
    ),
    "ints beyond 64 bits, and below 1e-4 beside plain values": _window(
        rows={"NO2": _raw("NO2", [2**64 + 1, 3.5]), "PM2.5": _raw("PM2.5", [2.5, 1.5e-05, 4.25])}
    ),
}


def _random_doubles(n: int, seed: int) -> list[float]:
    """Finite doubles from random bit patterns (every exponent, so mostly tiny or huge), and
    decimals of 0-8 places from 1e-9 to 1e20, as analysers and averages give them."""
    rng = random.Random(seed)
    out: list[float] = []
    while len(out) < n:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if math.isfinite(x):
            out.append(x)
        e = rng.randint(-9, 20)
        out.append(round(rng.uniform(-1, 1) * 10.0**e, rng.randint(0, 8)))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_random_doubles_are_written_as_json_dumps_writes_them(seed: int) -> None:
    """Values go out through orjson in one call per column, held here to the text of
    ``json.dumps`` (``repr``) for every double. Columns of 100 values: clean ones (no number
    below 1e-4 in magnitude but 0) take orjson's text; the others hold such a number, which
    orjson writes in another form, and are written by ``repr``."""
    values = _random_doubles(8000, seed)
    clean = [v for v in values if v == 0 or abs(v) >= 1e-4]
    columns = [clean[k : k + 100] for k in range(0, len(clean), 100)]
    columns += [values[k : k + 100] for k in range(0, 2000, 100)]
    assert any(any(0 < abs(v) < 1e-4 for v in c) for c in columns)
    for column in columns:
        w = _window(rows={"NO2": _raw("NO2", column)})
        extra = {"page_limit": 10_000, "next": None}
        assert window_json(w, extra) == encode({**window_body(w), **extra})


@pytest.mark.parametrize("name", list(CASES))
def test_same_text_as_the_dict_path(name: str) -> None:
    w = CASES[name]
    extra = {"page_limit": 10_000, "next": None} if w.interval == "raw" else {}
    assert window_json(w, extra) == encode({**window_body(w), **extra})
    body = json.loads(window_json(w, extra))  # and it is JSON
    if name == "offsets across a DST change":
        assert {p["time"][-6:] for p in body["series"][0]["points"]} == {"+02:00", "+01:00"}


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_not_a_number_is_refused_as_before(value: float) -> None:
    w = _window(rows={"NO2": _raw("NO2", [1.0, value])})
    with pytest.raises(ValueError, match="Out of range float"):
        encode_text(window_body(w))
    with pytest.raises(ValueError, match="Out of range float"):
        window_json(w)


def test_route_bytes_page_by_page_on_both_backends(
    client, engine: Engine, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    files = [IncomingFile(p.name, p.read_bytes(), "test") for p in sorted(FIELD.glob("*.txt"))]
    ingest_batch(engine, files, sites=sites, now=1_795_140_000, archive_dir=tmp_path)
    window = {"start": "2026-11-20T00:00:00+07:00", "end": "2026-11-21T00:00:00+07:00"}
    url = "/api/stations/LS_SONNMT_KK01/readings"
    pages, noted, cursor = 0, 0, None
    while True:
        params = {**window, "limit": "7", **({"cursor": cursor} if cursor else {})}
        got = client.get(url, params=params, headers={"Accept-Encoding": "identity"})
        assert got.status_code == 200, got.text
        with engine.connect() as conn:
            w = read_window(
                "LS_SONNMT_KK01", conn, settings, None, window["start"], window["end"], "raw",
                after=decode_cursor(cursor), limit=7,
            )  # fmt: skip
        body = window_body(w)
        body.pop("next_cursor", None)
        answer = got.json()
        expected = encode({**body, "page_limit": 7, "next": answer["next"]})
        assert got.content == expected
        pages += 1
        noted += sum("notes" in p for s in answer["series"] for p in s["points"])
        cursor = answer["next"] and answer["next"].split("cursor=")[1]
        if not cursor:
            break
    assert pages > 1 and noted > 0  # several pages, and some points carry their file's notes


def test_times_kept_per_zone_and_kind_stay_right_and_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The time prefixes kept across answers: the same instants in another zone or another
    interval get their own text, and past the bound a new set starts with answers still right."""
    monkeypatch.setattr(readings_json, "KEPT_TIMES", 40)
    rows = {"NO2": _raw("NO2", [1.0] * 30)}
    hours = {"NO2": _hours("NO2", [(1.0, 1.0, 1.0, 12, 12)] * 30, False)}
    cases = [
        _window(rows=rows),
        _window(rows=rows, tz=ZoneInfo("Europe/Paris")),
        _window("hour", rows=hours),
        _window(rows={"NO2": _raw("NO2", [2.0] * 60)}),  # past the bound
        _window(rows=rows),
    ]
    for w in cases:
        extra = {"page_limit": 10_000, "next": None} if w.interval == "raw" else {}
        assert window_json(w, extra) == encode({**window_body(w), **extra})
    assert all(len(kept) <= 40 + 60 for kept in readings_json._kept_times.values())
