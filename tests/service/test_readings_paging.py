"""Readings API over long windows (issue 20, item 4): raw pages, means checked against the raw
readings they summarise, gzip on request, on both backends.

Seed: two days of 5-minute readings of PM2.5 and NO2 at LS_SONNMT_KK01 (1,152 readings), every
seventh reading flagged device error (invalid: excluded from means, counted in ``n_total``),
PM2.5 values of file 1 and NO2 values without a file; hourly means by the store's own refresh.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from service.bootstrap import import_stations
from service.web.json_answer import accepts_gzip
from stations.qc import Flag
from stations.store.readings import insert_readings, refresh_hourly

ROOT = Path(__file__).resolve().parents[2]
STATION = "LS_SONNMT_KK01"
PARAMS = ("NO2", "PM2.5")
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
START = int(datetime(2026, 11, 18, tzinfo=LOCAL).timestamp())
END = START + 2 * 86400
URL = f"/api/stations/{STATION}/readings"
WINDOW = {"start": "2026-11-18T00:00:00+07:00", "end": "2026-11-20T00:00:00+07:00"}


@pytest.fixture
def two_days(engine: Engine) -> Engine:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    rows = [
        (STATION, p, t, 10.0 + (t // 300) % 17 + i, "µg/m³", "00",
         int(Flag.DEVICE_ERROR) if (t // 300) % 7 == 0 else 0, None)
        for i, p in enumerate(PARAMS)
        for t in range(START, END, 300)
    ]  # fmt: skip
    with engine.begin() as conn:
        assert insert_readings(conn, rows) == len(rows) == 1152
        refresh_hourly(conn, {(STATION, p, h) for p in PARAMS for h in range(START, END, 3600)})
    return engine


def _all_pages(client, params: dict[str, str]) -> tuple[list[dict], int]:  # type: ignore[no-untyped-def, type-arg]
    """Every page of a raw request, following ``next``; (pages, requests made)."""
    pages, answer = [], client.get(URL, params=params)
    while True:
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        if pages[-1]["next"] is None:
            return pages, len(pages)
        answer = client.get(pages[-1]["next"])


def test_pages_return_every_reading_exactly_once(client, two_days) -> None:  # type: ignore[no-untyped-def]
    pages, count = _all_pages(client, {**WINDOW, "parameter": "PM2.5,NO2", "limit": "100"})
    assert count == 12  # 1,152 readings / 100
    seen = [
        (s["parameter"], p["time"], p["value"])
        for page in pages
        for s in page["series"]
        for p in s["points"]
    ]
    assert all(sum(len(s["points"]) for s in page["series"]) <= 100 for page in pages)
    assert len(seen) == len(set(seen)) == 1152
    expected = {
        (p, datetime.fromtimestamp(t, LOCAL).isoformat())
        for p in PARAMS
        for t in range(START, END, 300)
    }
    assert {(p, t) for p, t, _ in seen} == expected
    assert pages[0]["page_limit"] == 100 and all(len(page["series"]) == 2 for page in pages)


def test_one_page_when_everything_fits(client, two_days) -> None:  # type: ignore[no-untyped-def]
    body = client.get(URL, params={**WINDOW, "parameter": "NO2"}).json()
    assert body["next"] is None and body["page_limit"] == 10_000
    assert len(body["series"][0]["points"]) == 576


def _recomputed(pages: list[dict], key) -> dict[tuple[str, str], dict]:  # type: ignore[no-untyped-def, type-arg]
    """Means of the valid raw points, grouped by (parameter, key(local time))."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)  # type: ignore[type-arg]
    for page in pages:
        for s in page["series"]:
            for p in s["points"]:
                groups[(s["parameter"], key(datetime.fromisoformat(p["time"])))].append(p)
    out = {}
    for k, points in groups.items():
        valid = [p["value"] for p in points if p["valid"]]
        out[k] = {
            "mean": sum(valid) / len(valid),
            "min": min(valid),
            "max": max(valid),
            "n_valid": len(valid),
            "n_total": len(points),
        }
    return out


@pytest.mark.parametrize(
    ("interval", "key"),
    [
        ("hour", lambda t: t.replace(minute=0).isoformat()),
        ("day", lambda t: t.replace(hour=0, minute=0).isoformat()),
    ],
)
def test_hour_and_day_means_equal_a_recomputation_from_raw(client, two_days, interval, key) -> None:  # type: ignore[no-untyped-def]
    pages, _ = _all_pages(client, {**WINDOW, "limit": "500"})
    expected = _recomputed(pages, key)
    body = client.get(URL, params={**WINDOW, "interval": interval}).json()
    got = {(s["parameter"], p["time"]): p for s in body["series"] for p in s["points"]}
    assert set(got) == set(expected) and len(got) == (96 if interval == "hour" else 4)
    for k, want in expected.items():
        point = got[k]
        assert point["mean"] == pytest.approx(want["mean"])
        assert (point["min"], point["max"]) == (want["min"], want["max"])
        assert (point["n_valid"], point["n_total"]) == (want["n_valid"], want["n_total"])


def test_gzip_only_when_asked(client, two_days) -> None:  # type: ignore[no-untyped-def]
    plain = client.get(URL, params=WINDOW, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.headers["vary"] == "Accept-Encoding"
    packed = client.get(URL, params=WINDOW, headers={"Accept-Encoding": "br, gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
    assert packed.json() == plain.json()  # the client decoded it
    refused = client.get(URL, params=WINDOW, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    assert refused.content == plain.content


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("GZIP", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("identity", False),
        ("br", False),
        ("", False),
        (None, False),
        ("*, gzip;q=0", False),  # gzip named: its own weight wins over the wildcard
        ("*;q=0", False),
        ("identity, *;q=0", False),
        ("gzip;level=1;q=0", False),  # q after another parameter
        ("gzip;q=abc", False),
        ("br;q=1, gzip;q=0.001", True),
        ("x-gzip", False),
        ("identity;q=0, gzip", True),
    ],
)
def test_accept_encoding(header: str | None, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


def test_a_window_larger_than_a_page_is_paged_not_refused(client, two_days) -> None:  # type: ignore[no-untyped-def]
    # 31 days (the raw bound) with the default page: the answer holds what was found, no 500
    month = {"start": "2026-10-20T00:00:00+07:00", "end": "2026-11-20T00:00:00+07:00"}
    body = client.get(URL, params={**month, "limit": "1000"}).json()
    assert sum(len(s["points"]) for s in body["series"]) == 1000
    assert body["next"] and "cursor=" in body["next"]


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": "0"}, "'limit' must be a whole number"),
        ({"limit": "50001"}, "from 1 to 50000"),
        ({"limit": "ten"}, "số nguyên"),
        ({"cursor": "not-a-cursor"}, "follow the previous page's 'next' link"),
        ({"cursor": "WzEsMl0"}, "'cursor' không hợp lệ"),  # [1,2]: well-formed, not ours
        ({"start": "2026-10-01", "end": "2026-11-20"}, "range longer than 31 days"),
    ],
)
def test_bad_paging_requests_are_400(client, two_days, params, words) -> None:  # type: ignore[no-untyped-def]
    answer = client.get(URL, params={**WINDOW, **params})
    assert answer.status_code == 400 and words in answer.text
