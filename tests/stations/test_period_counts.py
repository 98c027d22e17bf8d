"""The compliance summary's vectorised period counts give exactly what the per-period path
gives: :func:`periods_for` over :func:`complete_hours` and :meth:`AppliedLimit.ratio` per period
(completeness and averaging rules: QCVN 05:2023, QĐ 1459 §2.2.2, docs/compliance.md)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

import numpy as np
import pytest

from stations.averaging import DAY, HOUR, complete_hours, periods_for, readings_needed
from stations.compliance.period_counts import count_periods, hour_grid, periods
from stations.compliance.rules import AppliedLimit
from stations.store.hour_columns import HourColumns
from stations.timeutil import VN_OFFSET

T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())  # a local midnight
EXPECTED = 12  # 5-minute station: an hour needs 9 valid readings


def _limit(value: float | None, low: float | None = None, high: float | None = None):  # type: ignore[no-untyped-def]
    return AppliedLimit(
        "X", "1h", value, low, high, "x", "regulation", "QCVN", "cite", "high", False
    )


PM = _limit(50.0)
PM_LOWER = _limit(45.0)  # the same parameter after a regulation change
PH = _limit(None, 5.5, 9.0)  # a range (QCVN 40:2011 pH 5.5–9)
DO = _limit(None, 4.0)  # a minimum (dissolved oxygen)
MISSING = None  # the limit has no value: "not assessed", never counted


Rows = dict[int, tuple[float | None, int]]


def _reference(
    rows: Rows,
    averaging: str,
    start: int,
    end: int,
    limit_at: Callable[[int], AppliedLimit | None],
    near: float,
) -> tuple[int, int, int]:
    """The per-period path the summary took before (stations/compliance/summary.py)."""
    hours = complete_hours(
        [(h, m, n) for h, (m, n) in sorted(rows.items()) if start - 8 * HOUR <= h < end], EXPECTED
    )
    evaluated = compliant = near_n = 0
    for p in periods_for(hours, averaging, start, end):
        limit = limit_at(p.start)
        if limit is None or p.mean is None:
            continue
        ratio = limit.ratio(p.mean)
        evaluated += 1
        compliant += ratio <= 1
        near_n += near <= ratio <= 1
    return evaluated, compliant, near_n


def _vectorised(
    rows: Rows,
    averaging: str,
    start: int,
    end: int,
    limit_at: Callable[[int], AppliedLimit | None],
    near: float,
) -> tuple[int, int, int]:
    keys = sorted(rows)
    columns = HourColumns(
        np.array(keys, dtype=np.int64),
        np.array([rows[h][0] or 0.0 for h in keys], dtype=np.float64),
        np.array([rows[h][1] for h in keys], dtype=np.int64),
        np.array([rows[h][0] is not None for h in keys], dtype=np.bool_),
    )
    grid = hour_grid(columns, start - 8 * HOUR, end, readings_needed(EXPECTED, 0.75))
    starts, means = periods(grid, averaging, start, end)
    return count_periods(starts, means, limit_at, near)


def _series(values: list[float | None], n: int = EXPECTED, first: int = T0) -> Rows:
    return {first + i * HOUR: (v, n if v is not None else 0) for i, v in enumerate(values)}


def _noisy(days: int, seed: int) -> Rows:
    """Values around the limits, with missing, incomplete and NULL hours."""
    rnd = random.Random(seed)
    rows: Rows = {}
    for i in range(days * 24):
        roll = rnd.random()
        if roll < 0.08:
            continue  # no row
        mean = None if roll < 0.10 else round(rnd.uniform(0.0, 70.0), 3)
        rows[T0 - DAY + i * HOUR] = (mean, 8 if roll < 0.16 else rnd.randint(9, 12))
    return rows


def _change_on(day: int, before: AppliedLimit | None, after: AppliedLimit | None):  # type: ignore[no-untyped-def]
    return lambda t: before if t < T0 + day * DAY else after


def _const(limit: AppliedLimit | None):  # type: ignore[no-untyped-def]
    return lambda t: limit


CASES = [
    # at the limit is compliant and near; 0.9 × limit is near (ratio 0.9); just above exceeds
    ("1h", _series([50.0, 45.0, 44.99, 50.0001, 10.0] * 5), T0, T0 + DAY, _const(PM)),
    # an 8-h mean needs 6 of 8 hours: 5 present is no period, 6 is one
    ("8h", _series([40.0] * 5 + [None] * 3 + [60.0] * 6 + [None] * 2), T0, T0 + DAY, _const(PM)),
    # a day needs 18 of 24 hours; 17 complete + hours with 8 of 12 readings is not a day
    ("24h", _series([40.0] * 17 + [None] * 7 + [60.0] * 18 + [None] * 6), T0, T0 + 2 * DAY,
     _const(PM)),
    ("24h", {**_series([40.0] * 24), **_series([99.0] * 7, n=8, first=T0 + 17 * HOUR)}, T0,
     T0 + DAY, _const(PM)),
    # window starting and ending mid-day (the first day's hours before start − 8 h are not read)
    ("24h", _noisy(5, 1), T0 + 5 * HOUR, T0 + 3 * DAY + 7 * HOUR, _const(PM)),
    ("8h", _noisy(5, 2), T0 + 5 * HOUR, T0 + 3 * DAY + 7 * HOUR, _const(PM)),
    ("1h", _noisy(5, 3), T0 + 5 * HOUR, T0 + 3 * DAY + 7 * HOUR, _const(PM)),
    # the limit changes on day 2; a missing limit is not assessed on its days
    ("1h", _noisy(6, 4), T0, T0 + 5 * DAY, _change_on(2, PM, PM_LOWER)),
    ("8h", _noisy(6, 5), T0, T0 + 5 * DAY, _change_on(2, PM, PM_LOWER)),
    ("24h", _noisy(6, 6), T0, T0 + 5 * DAY, _change_on(3, MISSING, PM)),
    ("1h", _noisy(6, 7), T0, T0 + 5 * DAY, _const(MISSING)),
    # ranges and minimums (pH, DO); a mean of 0 against a minimum is 999
    ("1h", _series([5.4, 5.5, 7.0, 9.0, 9.1, 0.0, 6.0]), T0, T0 + DAY, _const(PH)),
    ("8h", _series([3.0, 4.0, 4.4, 0.0, 5.0, 4.1, 4.0, 3.9, 4.2] * 3), T0, T0 + DAY, _const(DO)),
    # nothing stored, and a window of no whole hour
    ("24h", {}, T0, T0 + 3 * DAY, _const(PM)),
    ("8h", _noisy(2, 8), T0, T0, _const(PM)),
    # a year of noisy hours, the size the summary is measured at (bench_readings.py)
    ("1h", _noisy(367, 9), T0, T0 + 365 * DAY, _change_on(200, PM, PM_LOWER)),
    ("8h", _noisy(367, 10), T0, T0 + 365 * DAY, _change_on(100, PM, MISSING)),
    ("24h", _noisy(367, 11), T0, T0 + 365 * DAY, _change_on(300, PM, PM_LOWER)),
]  # fmt: skip


@pytest.mark.parametrize(("averaging", "rows", "start", "end", "limit_at"), CASES)
@pytest.mark.parametrize("near", [0.9, 0.75])
def test_counts_equal_the_per_period_path(  # type: ignore[no-untyped-def]
    averaging: str, rows: Rows, start: int, end: int, limit_at, near: float
) -> None:
    expected = _reference(rows, averaging, start, end, limit_at, near)
    assert _vectorised(rows, averaging, start, end, limit_at, near) == expected


def test_the_cases_reach_every_outcome() -> None:
    """The table above is not vacuous: it holds exceedances, near-limit and compliant periods,
    and periods left unassessed."""
    totals = [_reference(r, a, s, e, f, 0.9) for a, r, s, e, f in CASES]
    assert any(c < n for n, c, _ in totals) and any(near > 0 for _, _, near in totals)
    assert sum(n for n, _, _ in totals) > 10_000
    _, rows, start, end, with_missing = CASES[-2]
    assert (
        _reference(rows, "8h", start, end, with_missing, 0.9)[0]
        < (_reference(rows, "8h", start, end, _const(PM), 0.9)[0])
    )


SUMS = [
    [1e16, 1.0, -1e16],  # plain addition loses the 1.0; Python ≥ 3.12's sum() keeps it
    [0.1] * 10,
    [7e15, 0.1, 3.3333, -7e15, 1e-3],
    [round(random.Random(3).uniform(0, 300), 3) for _ in range(24)],
]


@pytest.mark.parametrize("values", SUMS)
def test_window_sums_are_the_interpreters_sum(values: list[float]) -> None:
    """Means must be the floats ``sum()`` gives (compensated from Python 3.12), gaps included."""
    from stations.compliance.period_counts import _window_sums

    row = [x for v in values for x in (v, 0.0)]  # an absent hour after every value
    grid = np.array([row]), np.array([[i % 2 == 0 for i in range(len(row))]])
    total, count = _window_sums(*grid, len(row))
    assert (total[0], int(count[0])) == (sum(values), len(values))
