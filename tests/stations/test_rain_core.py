"""Rain core: cumulative feeds, QC, accumulations and the JMA tank model (issue 17)."""

from __future__ import annotations

from datetime import datetime

import pytest

from stations.rain import feed, qc, tank
from stations.rain.accumulate import accumulate
from stations.timeutil import VN_OFFSET


def local(text: str) -> int:
    """'2026-07-01 19:10' local (UTC+7) -> UTC epoch seconds."""
    return int(datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN_OFFSET).timestamp())


def d(text: str) -> int:
    return local(f"2026-07-01 {text}")


RESET = 19  # VRAIN: mm accumulated since 19:00 local the previous day (anchors §1.7)

# (case, cumulative samples (local time, mm), expected [(start, end, mm or None)])
FEED_CASES = [
    (
        "normal reset at 19:00 (sample at the reset = the day's total)",
        [("18:40", 10.0), ("18:50", 12.0), ("19:00", 15.0), ("19:10", 1.0), ("19:20", 3.0)],
        [
            ("18:40", "18:50", 2.0),
            ("18:50", "19:00", 3.0),
            ("19:00", "19:10", 1.0),
            ("19:10", "19:20", 2.0),
        ],
    ),
    (
        "sample at the reset missing: rain before the reset is no data, not zero",
        [("18:50", 12.0), ("19:10", 1.0)],
        [("18:50", "19:00", None), ("19:00", "19:10", 1.0)],
    ),
    (
        "missed reset: the value keeps growing past 19:00, then drops late",
        [("18:50", 12.0), ("19:00", 15.0), ("19:10", 16.0), ("19:20", 18.0), ("19:30", 0.5)],
        [
            ("18:50", "19:00", 3.0),
            ("19:00", "19:10", 1.0),
            ("19:10", "19:20", 2.0),
            ("19:20", "19:30", None),
        ],
    ),
    (
        "drop in the middle of the day is a glitch: no data, new base",
        [("10:00", 8.0), ("10:10", 2.0), ("10:20", 4.0)],
        [("10:00", "10:10", None), ("10:10", "10:20", 2.0)],
    ),
    (
        "no rain across the reset",
        [("18:50", 0.0), ("19:00", 0.0), ("19:10", 0.0)],
        [("18:50", "19:00", 0.0), ("19:00", "19:10", 0.0)],
    ),
]


@pytest.mark.parametrize(
    ("case", "samples", "expected"), FEED_CASES, ids=[c[0] for c in FEED_CASES]
)
def test_cumulative_feed_differencing(case, samples, expected) -> None:
    got = feed.difference([(d(t), c) for t, c in samples], RESET)
    assert [(i.start, i.end, i.mm) for i in got] == [(d(a), d(b), mm) for a, b, mm in expected]
    assert all(i.note for i in got if i.mm is None)  # every "no data" says why


def test_feed_gap_over_several_days_keeps_only_rain_since_the_last_reset() -> None:
    got = feed.difference([(local("2026-07-01 18:00"), 5.0), (local("2026-07-03 10:00"), 7.0)], 19)
    assert [(i.start, i.end, i.mm) for i in got] == [
        (local("2026-07-01 18:00"), local("2026-07-02 19:00"), None),
        (local("2026-07-02 19:00"), local("2026-07-03 10:00"), 7.0),
    ]


# (case, series in mm per 10 min, expected cleaned series, reasons)
QC_CASES = [
    ("negative value", [0.5, -1.0, 0.5], [0.5, None, 0.5], {1: "negative"}),
    # WMO world 60-min record 305 mm (settings.csv max_mm_60min)
    (
        "one interval above the 60-min world record",
        [0.0, 310.0, 0.0],
        [0.0, None, 0.0],
        {1: "impossible_intensity"},
    ),
    (
        "60 minutes summing past the record",
        [60.0] * 6,
        [60.0] * 5 + [None],
        {5: "impossible_intensity"},
    ),
    (
        "stuck counter repeating 0.7 mm for 6 h",
        [0.7] * 36 + [0.0],
        [None] * 36 + [0.0],
        dict.fromkeys(range(36), "stuck"),
    ),
    ("0.7 mm for 5 h 50 min is still rain", [0.7] * 35, [0.7] * 35, {}),
    ("hours of zero are not stuck", [0.0] * 30, [0.0] * 30, {}),
    ("gaps stay gaps", [1.0, None, 1.0], [1.0, None, 1.0], {}),
]


@pytest.mark.parametrize(
    ("case", "series", "clean", "reasons"), QC_CASES, ids=[c[0] for c in QC_CASES]
)
def test_rain_qc(case, series, clean, reasons) -> None:
    assert qc.check(series, 600) == (clean, reasons)


def test_tank_model_hand_computed_steps() -> None:
    # JMA's explicit scheme with the nationwide constants (tank_constants.csv), 30 mm/h x 3 h then
    # dry, dt = 1 h, worked by hand: step 2 opens outlet 1 (s1 > 15), step 4 also outlet 2 (> 60).
    states = tank.run([30.0, 30.0, 30.0, 0.0], 1.0)
    expected = [
        (30.0, 0.0, 0.0),
        (54.9, 3.6, 0.0),
        (74.322, 10.008, 0.18),
        (57.32286, 18.42624, 0.6786),
    ]
    for got, want in zip(states, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-9)
    assert states[-1].swi == pytest.approx(76.4277, abs=1e-9)


def _rk4_reference(rain_mm_h, hours: float, dt_h: float) -> float:
    """The tank model as the ODE of the public RK4 reference (source 70566321875)."""
    k = tank.tank_constants()

    def deriv(s, r):
        s1, s2, s3 = s
        q1 = k["a1"] * max(s1 - k["l1"], 0) + k["a2"] * max(s1 - k["l2"], 0)
        q2, q3 = k["a3"] * max(s2 - k["l3"], 0), k["a4"] * max(s3 - k["l4"], 0)
        return (
            r - q1 - k["b1"] * s1,
            k["b1"] * s1 - q2 - k["b2"] * s2,
            k["b2"] * s2 - q3 - k["b3"] * s3,
        )

    s, t = (0.0, 0.0, 0.0), 0.0
    while t < hours - 1e-9:
        r = rain_mm_h(t)
        k1 = deriv(s, r)
        k2 = deriv(tuple(x + dt_h / 2 * y for x, y in zip(s, k1, strict=True)), r)
        k3 = deriv(tuple(x + dt_h / 2 * y for x, y in zip(s, k2, strict=True)), r)
        k4 = deriv(tuple(x + dt_h * y for x, y in zip(s, k3, strict=True)), r)
        s = tuple(
            x + dt_h / 6 * (a + 2 * b + 2 * c + e)
            for x, a, b, c, e in zip(s, k1, k2, k3, k4, strict=True)
        )
        t += dt_h
    return sum(s)


def test_tank_model_at_10_minutes_tracks_the_continuous_reference() -> None:
    # The reference scenario of the public implementation: 30 mm/h for 3 h, then 3 h dry.
    rain = [5.0] * 18 + [0.0] * 18  # mm per 10 min
    swi = tank.run(rain, 1 / 6)[-1].swi
    ref = _rk4_reference(lambda t: 30.0 if t < 3 else 0.0, 6.0, 1 / 600)
    assert swi == pytest.approx(ref, rel=0.03)
    assert 60 < ref < 80  # the storage left after the dry spell, mm


def test_accumulations_and_gaps() -> None:
    step = 600
    values = [1.0] * (24 * 6 * 4)  # 1 mm every 10 min for four days
    values[-3] = None  # one missing interval in the last hour
    rows = accumulate(values, [None] * len(values), 0, step, emit_from=len(values) - 1)
    last = rows[-1]
    assert last.sums == {1: 5.0, 3: 17.0, 6: 35.0, 24: 143.0, 72: 431.0}
    assert last.missing == {1: 1, 3: 1, 6: 1, 24: 1, 72: 1}
    assert (last.prior_1d, last.prior_2d, last.prior_days) == (144.0, 288.0, 3)
    assert not last.swi_complete


def test_prior_days_stop_at_a_dry_day_and_history_short_is_incomplete() -> None:
    day = [0.5] * 144  # 72 mm a day; "rain day" ≥ 16 mm (provisional, settings.csv)
    dry = [0.0] * 144
    values = dry + day + dry + day  # now: 24 h of rain, a dry day before it
    rows = accumulate(values, [None] * len(values), 0, 600, emit_from=len(values) - 1)
    assert rows[-1].prior_days == 0 and rows[-1].prior_complete
    short = accumulate(day + day, [None] * 288, 0, 600, emit_from=287)[-1]
    assert short.prior_days == 1 and not short.prior_complete  # 2 days back unknown


# (format, aliases on, file name, bytes): rain gauges use the ordinary parsers (parameter Rain).
RAIN_FILES = [
    ("tt10", False, "LS_MUA_LS01_20260701191000.txt", b"Rain\t1.5\tmm\t20260701191000\t00\r\n"),
    ("tt10", True, "LS_MUA_LS01_20260701191000.txt", b"LuongMua\t1.5\tmm\t20260701191000\t00\r\n"),
    (
        "csv",
        True,
        "LS01.csv",
        b"station,parameter,value,unit,time,status\n"
        b"LS01,RAIN,1.5,mm,2026-07-01T19:10:00+07:00,00\n",
    ),
]


@pytest.mark.parametrize(("fmt", "aliases", "name", "raw"), RAIN_FILES)
def test_rain_files_through_the_existing_parsers(fmt, aliases, name, raw) -> None:
    from stations.parsers import ParserOptions, parse

    out = parse(raw, name, fmt, ParserOptions(aliases=aliases))
    assert out.fatal is None and not out.errors, (out.fatal, out.errors)
    (reading,) = out.readings
    assert (reading.parameter, reading.value, reading.unit) == ("Rain", 1.5, "mm")
    assert reading.observed_at == local("2026-07-01 19:10")
