"""Raw pages read as columns (stations/store/raw_columns.py) answer as the row path did.

The readings API reads a raw page as per-parameter columns with the status and flags folded
into one integer key; these tests hold its answers, through the HTTP route on both backends,
equal to the answers the generic row query gives (``read_raw_page`` grouped into a
:class:`Window` and written by ``window_body``): same keys and order, the same floats to the
bit (``repr`` compared, so ``-0.0`` and ``0.1 + 0.2`` count), NULL values, statuses 00/01/02
and one outside them (the generic fallback), QC flags and validity, notes of deviating files,
gaps, every page of a paged walk, hour and day means, gzip on and off.
"""

from __future__ import annotations

import json
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from service.bootstrap import import_stations
from service.web.readings_paging import decode_cursor
from service.web.readings_window import Window, read_window, window_body
from stations.qc import Flag
from stations.store.format_notes import notes_of_files
from stations.store.raw_columns import STATUS_STEP, key_parts, read_raw_columns
from stations.store.readings import insert_readings, record_files, refresh_hourly
from stations.store.series import read_raw_page

ROOT = Path(__file__).resolve().parents[2]
STATION = "LS_SONNMT_KK01"
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
START = int(datetime(2026, 11, 18, tzinfo=LOCAL).timestamp())
URL = f"/api/stations/{STATION}/readings"
WINDOW = {"start": "2026-11-18T00:00:00+07:00", "end": "2026-11-19T00:00:00+07:00"}
# floats whose shortest text differs from a 15-digit one, signed zero, integral values; CO
# also holds extremes (PostgreSQL's mean squares its inputs, so CO gets no hourly means)
AWKWARD = [0.1 + 0.2, 1e-7, -2.5, -0.0, 123456789.123, 1 / 3, 2.0**53, 20.45, 0.0, 7.0]
EXTREME = [*AWKWARD, 1e300, 5e-324, -1e-300, 1.7976931348623157e308]
NOTE = "CO mg/m³→µg/m³ ×1000"


def _row(p: str, k: int, value: Any, status: str, flags: int, file_id: int | None) -> tuple:  # type: ignore[type-arg]
    return (STATION, p, START + 300 * k, value, "µg/m³", status, flags, file_id)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """A day of NO2, PM2.5 and CO with every case the columns encode; gaps every 11th slot."""
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    files = [
        ("f" * 63 + str(i), f"file{i}.txt", "test", STATION, START, 10, "ok", None, 3, "[]",
         None, NOTE if i % 3 == 0 else (None if i % 3 == 1 else ""))
        for i in range(10)
    ]  # fmt: skip
    flag_cycle = [0, int(Flag.CALIBRATING), int(Flag.DEVICE_ERROR | Flag.SPIKE), int(Flag.FLATLINE)]
    with engine.begin() as conn:
        ids = record_files(conn, files)
        rows = []
        for i, p in enumerate(("NO2", "PM2.5", "CO")):
            for k in range(288):
                if k % 11 == 5:
                    continue  # a gap
                values = EXTREME if p == "CO" else AWKWARD
                value = None if k % 13 == 0 else values[(k + i) % len(values)]
                status = ("00", "00", "01", "02")[k % 4]
                file_id = None if k % 7 == 0 else ids[k % len(ids)]
                rows.append(_row(p, k, value, status, flag_cycle[(k // 3) % 4], file_id))
        insert_readings(conn, rows)
        hours = {
            (STATION, p, h) for p in ("NO2", "PM2.5") for h in range(START, START + 86400, 3600)
        }
        refresh_hourly(conn, hours)
    return engine


def _old_window(engine: Engine, settings: Any, query: dict[str, str]) -> dict[str, Any]:
    """The answer the generic row query gives (the route's read before raw_columns), as JSON."""
    after = decode_cursor(query["cursor"]) if "cursor" in query else None
    limit = int(query.get("limit", "10000"))
    with engine.connect() as conn:
        w = read_window(
            STATION, conn, settings, query.get("parameter"), query["start"], query["end"], "raw",
            after=after, limit=limit,
        )  # fmt: skip
        page = read_raw_page(conn, STATION, w.params, w.start, w.end, after=after, limit=limit + 1)
        nxt = None
        if len(page) > limit:
            del page[limit:]
            nxt = (page[-1][0], page[-1][1])
        rows = {p: [] for p in w.params} | {c: list(g) for c, g in groupby(page, itemgetter(0))}
        files = {r[5] for r in page} - {None}
        notes = notes_of_files(conn, files) if files else {}
    old = Window(
        w.station_id, "raw", w.start, w.end, w.tz, w.site, w.params, rows, w.units, notes,
        w.conflicts, nxt,
    )  # fmt: skip
    return json.loads(json.dumps(window_body(old), ensure_ascii=False))


def _same(got: Any, want: Any, where: str = "") -> None:
    """Equal JSON, floats compared by ``repr`` (the bits), ints kept apart from floats."""
    assert type(got) is type(want), f"{where}: {got!r} vs {want!r}"
    if isinstance(want, dict):
        assert list(got) == list(want), where
        for k in want:
            _same(got[k], want[k], f"{where}.{k}")
    elif isinstance(want, list):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{where}[{i}]")
    else:
        assert repr(got) == repr(want), where


def _get(client: Any, params: dict[str, str], packed: bool) -> dict[str, Any]:
    """The route's answer, gzip asked for or refused; checks the encoding it came in."""
    answer = client.get(
        URL, params=params, headers={"Accept-Encoding": "gzip" if packed else "identity"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers.get("content-encoding") == ("gzip" if packed else None)
    return answer.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize("parameter", [None, "PM2.5,NO2", "CO"])
def test_raw_answers_equal_the_row_path(client, seeded, settings, parameter, packed) -> None:  # type: ignore[no-untyped-def]
    query = {**WINDOW, **({"parameter": parameter} if parameter else {})}
    body = _get(client, query, packed)
    want = _old_window(seeded, settings, query)
    assert body.pop("page_limit") == 10_000 and body.pop("next") is None
    _same(body, want)
    points = [p for s in body["series"] for p in s["points"]]
    assert {p["status"] for p in points} == {"00", "01", "02"}
    assert any(p["value"] is None for p in points) and any("notes" in p for p in points)
    assert any(p["flags"] == ["device_error", "spike"] and not p["valid"] for p in points)


@pytest.mark.parametrize("limit", ["50", "261", "262", "263", "700"])
def test_every_page_equals_the_row_path(client, seeded, settings, limit) -> None:  # type: ignore[no-untyped-def]
    # 262 readings a series: pages ending on, before and after a series' last row
    query = {**WINDOW, "limit": limit}
    seen, pages = 0, 0
    while True:
        body = _get(client, query, packed=pages % 2 == 0)
        want = _old_window(seeded, settings, query)
        nxt = body.pop("next")
        assert body.pop("page_limit") == int(limit)
        cursor = want.pop("next_cursor", None)
        _same(body, want, f"page {pages}")
        seen += sum(len(s["points"]) for s in body["series"])
        pages += 1
        if nxt is None or pages > 20:
            assert cursor is None
            break
        assert cursor is not None and tuple(decode_cursor(nxt.split("cursor=")[1])) == tuple(cursor)
        query = {**query, "cursor": nxt.split("cursor=")[1]}
    assert seen == 3 * 262 and pages == -(-seen // int(limit))


def test_a_status_outside_the_codes_reads_the_generic_way(client, seeded, settings) -> None:  # type: ignore[no-untyped-def]
    with seeded.begin() as conn:
        insert_readings(conn, [_row("NO2", 5, 1.25, "9x", 0, None)])  # fills a gap
        columns, _ = read_raw_columns(conn, STATION, ["NO2"], START, START + 86400)
    assert isinstance(columns["NO2"].keys[0], tuple)  # the fallback's (status, flags) keys
    query = {**WINDOW, "parameter": "NO2"}
    body = _get(client, query, packed=True)
    body.pop("page_limit"), body.pop("next")
    _same(body, _old_window(seeded, settings, query))
    assert [p["status"] for p in body["series"][0]["points"]].count("9x") == 1


def test_keys_fold_status_and_flags() -> None:
    assert STATUS_STEP > max(int(f) for f in Flag)
    assert key_parts(2 * STATUS_STEP + int(Flag.SPIKE)) == ("02", int(Flag.SPIKE))
    assert key_parts(("7", 3)) == ("7", 3)


@pytest.mark.parametrize("interval", ["hour", "day"])
@pytest.mark.parametrize("packed", [True, False])
def test_means_answer_as_the_dict_path(client, seeded, settings, interval, packed) -> None:  # type: ignore[no-untyped-def]
    body = _get(client, {**WINDOW, "interval": interval}, packed)
    with seeded.connect() as conn:
        w = read_window(STATION, conn, settings, None, WINDOW["start"], WINDOW["end"], interval)
    _same(body, json.loads(json.dumps(window_body(w), ensure_ascii=False)))
    assert sum(len(s["points"]) for s in body["series"]) == (48 if interval == "hour" else 2)
