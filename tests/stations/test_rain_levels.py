"""Decision 18/2021 levels from the thresholds table, IDW, hysteresis and scores (issue 17)."""

from __future__ import annotations

import pytest

from stations.rain.levels import PlaceRain, assess, issued_level
from stations.rain.places import GaugeNow, distance_km, place_rain
from stations.rain.thresholds import cells
from stations.rain.verify import score

KNOWN_L1 = "kienthuckhoahoc.org"  # Điều 46 khoản 1 (regulations-2026-12.md §4, high)
PARTIAL_L2 = "first clause only"  # Điều 46 khoản 2, regions cut off (low, provisional)
MISSING = "NOT FOUND"

# (case, 24 h mm, prior rain days, complete, class, status, level, provisional, citation has)
LEVEL_CASES = [
    (
        "KV2 medium zone, 150 mm, 1 prior day: level 1",
        150,
        1,
        True,
        "medium",
        "assessed",
        1,
        False,
        KNOWN_L1,
    ),
    (
        "KV2 medium zone, 200 mm, 2 prior days: level 1 (band inclusive)",
        200,
        2,
        True,
        "medium",
        "assessed",
        1,
        False,
        KNOWN_L1,
    ),
    (
        "KV2 low zone, 250 mm, 3 prior days: level 1",
        250,
        3,
        True,
        "low",
        "assessed",
        1,
        False,
        KNOWN_L1,
    ),
    (
        "KV2 low zone, exactly 200 mm, 3 days: '> 200' excludes it",
        200,
        3,
        True,
        "low",
        "not_assessed",
        None,
        False,
        "",
    ),
    (
        "KV2 high zone, 150 mm, 2 prior days: level 2, provisional",
        150,
        2,
        True,
        "high",
        "assessed",
        2,
        True,
        PARTIAL_L2,
    ),
    (
        "KV2 very high zone, 150 mm, 1 day: threshold missing",
        150,
        1,
        True,
        "very_high",
        "not_assessed",
        None,
        False,
        MISSING,
    ),
    (
        "KV2 medium zone, 450 mm, 3 days: threshold missing",
        450,
        3,
        True,
        "medium",
        "not_assessed",
        None,
        False,
        MISSING,
    ),
    (
        "KV2 medium zone, 150 mm, no prior rain: no cell, not assessed",
        150,
        0,
        True,
        "medium",
        "not_assessed",
        None,
        False,
        "",
    ),
    ("below 100 mm with full data: level 0", 80, 2, True, "very_high", "assessed", 0, False, ""),
    (
        "below 100 mm with gaps: no data (a lower bound)",
        80,
        2,
        False,
        "high",
        "no_data",
        None,
        False,
        "",
    ),
    (
        "class unknown above 100 mm: not assessed",
        150,
        1,
        True,
        None,
        "not_assessed",
        None,
        False,
        "",
    ),
]


@pytest.mark.parametrize(
    ("case", "rain24", "prior", "complete", "cls", "status", "level", "provisional", "cite"),
    LEVEL_CASES,
    ids=[c[0] for c in LEVEL_CASES],
)
def test_decision18_levels(case, rain24, prior, complete, cls, status, level, provisional, cite):
    rain = PlaceRain(rain24, prior, None, None, None, complete=complete)
    got = assess(rain, cls, "KV2")
    assert (got.status, got.level, got.provisional) == (status, level, provisional)
    assert cite in got.citation
    assert got.reason


def test_incomplete_sum_reaching_a_band_is_a_lower_bound() -> None:
    got = assess(PlaceRain(120, 1, None, None, None, complete=False), "medium", "KV2")
    assert (got.level, got.lower_bound) == (1, True)


def test_no_gauge_is_no_data_never_level_0() -> None:
    got = assess(PlaceRain(None, 0, None, None, None, complete=False), "medium", "KV2")
    assert (got.status, got.level) == ("no_data", None)


def test_every_row_is_cited_and_missing_rows_have_no_level() -> None:
    rows = cells("KV2")
    assert rows and all(c.citation for c in rows)
    assert all(c.level is None for c in rows if c.status == "missing")
    assert all(c.confidence for c in rows if c.status != "missing")


# (case, previous issued, below since, computed now, now, expected (issued, since))
HYSTERESIS = [
    ("rises at once", 0, None, 2, 1000, (2, None)),
    ("falls: the hold starts", 2, None, 1, 1000, (2, 1000)),
    ("still in the hold", 2, 1000, 0, 1000 + 3599, (2, 1000)),
    ("hold over: falls", 2, 1000, 0, 1000 + 3600, (0, None)),
    ("back up during the hold: hold cancelled", 2, 1000, 2, 1500, (2, None)),
    ("no data never lowers a warning", 2, None, None, 9999, (2, None)),
]


@pytest.mark.parametrize(
    ("case", "prev", "since", "cur", "now", "want"), HYSTERESIS, ids=[h[0] for h in HYSTERESIS]
)
def test_issued_level_hysteresis(case, prev, since, cur, now, want) -> None:
    assert issued_level(prev, since, cur, now, hold_s=3600) == want


def gauge(sid: str, lon: float, lat: float, rain24: float | None) -> GaugeNow:
    return GaugeNow(sid, lon, lat, rain24, True, 1, 10.0, 20.0, 50.0)


def test_idw_within_radius() -> None:
    lon, lat = 106.76, 21.85  # Lạng Sơn city
    assert distance_km(lon, lat, lon + 0.1, lat) == pytest.approx(10.33, abs=0.05)
    far = gauge("far", lon + 0.5, lat, 300.0)  # ~52 km: out of range
    assert place_rain(lon, lat, [far]).rain24 is None
    a, b = gauge("a", lon + 0.05, lat, 100.0), gauge("b", lon - 0.05, lat, 200.0)
    got = place_rain(lon, lat, [a, b, far, gauge("silent", lon, lat, None)])
    assert got.rain24 == pytest.approx(150.0)  # equidistant: the mean
    assert [g[0] for g in got.gauges] == ["a", "b"]
    near = place_rain(lon, lat, [a, gauge("c", lon + 0.1, lat, 0.0)])
    assert near.rain24 == pytest.approx(100 * 4 / 5, rel=0.01)  # 1/d², twice as far: 4:1


def test_scores_hits_misses_false_alarms_csi_lead_time() -> None:
    h = 3600
    levels = {
        "A": [(0, 0), (h, 1), (2 * h, 2), (3 * h, 2), (4 * h, 0)],
        "B": [(0, 0), (h, 2), (2 * h, 0)],
        "C": [(0, 0), (h, 0)],
    }
    events = [("A", 3 * h), ("C", h)]
    s2 = score(levels, events, 2, window_s=0)
    assert (s2.hits, s2.misses, s2.false_alarms) == (1, 1, 1)
    assert s2.csi == pytest.approx(1 / 3) and s2.lead_times_s == [h]
    s1 = score(levels, events, 1, window_s=0)
    assert s1.lead_times_s == [2 * h]
