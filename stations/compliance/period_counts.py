"""Compliant, near-limit and evaluated period counts over long windows, on hour grids.

The same periods as :func:`stations.averaging.periods_for` and the same ratios as
:meth:`AppliedLimit.ratio`, computed with numpy: a year holds ~26,000 1-h, 8-h and 24-h periods
per parameter, and a Python object and call per period cost ~0.4 s of CPU per summary. Sums run
in hour order one addend at a time (as ``sum()`` does), so every mean, ratio and count is the
one the per-period path gives; tests/stations/test_period_counts.py compares them case by case.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stations.averaging import (
    DAY,
    DAY_MIN_HOURS,
    HOUR,
    LOCAL_OFFSET,
    ROLLING_HOURS,
    ROLLING_MIN_HOURS,
)
from stations.compliance.rules import AppliedLimit
from stations.store.hour_columns import HourColumns

Floats = np.ndarray[Any, np.dtype[np.float64]]
Ints = np.ndarray[Any, np.dtype[np.int64]]
Bools = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class HourGrid:
    """Complete hourly means on consecutive hours from ``lo``: ``values`` is 0.0 where absent."""

    lo: int
    values: Floats
    present: Bools


def hour_grid(rows: HourColumns, lo: int, end: int, need: int) -> HourGrid:
    """The grid of [lo, end) from stored rows: an hour counts with a mean and ``need`` readings
    (:func:`stations.averaging.complete_hours`)."""
    size = max(0, (end - lo) // HOUR)
    values = np.zeros(size, dtype=np.float64)
    present = np.zeros(size, dtype=np.bool_)
    hours = rows.hour_start
    keep = rows.has_mean & (rows.n_valid >= need) & (hours >= lo) & (hours < end)
    index = (hours[keep] - lo) // HOUR
    values[index] = rows.mean[keep]
    present[index] = True
    return HourGrid(lo, values, present)


# ``sum()`` of floats adds one value at a time up to Python 3.11 and, from 3.12, keeps a
# Neumaier compensation term it adds at the end (CPython's bltinmodule.c); the period means
# here must be the floats ``periods_for`` gets from ``sum()`` on the running interpreter.
COMPENSATED_SUM = sys.version_info >= (3, 12)


def _window_sums(values: Floats, present: Bools, width: int) -> tuple[Floats, Ints]:
    """Sums and counts of ``width`` consecutive columns of 2-D grids, added left to right as
    ``sum()`` adds them (an absent value is 0.0, which changes neither sum nor compensation)."""
    total = np.zeros(values.shape[0], dtype=np.float64)
    low = np.zeros(values.shape[0], dtype=np.float64)
    count = np.zeros(values.shape[0], dtype=np.int64)
    for j in range(width):
        x = values[:, j]
        t = total + x
        if COMPENSATED_SUM:
            low = low + np.where(np.abs(total) >= np.abs(x), (total - t) + x, (x - t) + total)
        total = t
        count = count + present[:, j]
    if COMPENSATED_SUM:
        total = np.where((low != 0) & np.isfinite(low), total + low, total)
    return total, count


def periods(grid: HourGrid, averaging: str, start: int, end: int) -> tuple[Ints, Floats]:
    """``(period starts, means)`` of the valid periods ending in (start, end], as
    :func:`stations.averaging.periods_for` over the grid's hours (``start``, ``end`` on hours,
    the grid beginning at or before ``start - 8 h``)."""
    lo, values, present = grid.lo, grid.values, grid.present
    n = values.shape[0]
    if averaging == "1h":
        first = (start - lo) // HOUR
        idx = np.flatnonzero(present[first:]) + first
        return lo + idx.astype(np.int64) * HOUR, values[idx]
    if averaging == "8h":
        # the period ending at start + k h covers grid columns [k', k' + 8), k' = k + offset
        k0 = (start - lo) // HOUR - ROLLING_HOURS + 1
        k1 = (end - lo) // HOUR - ROLLING_HOURS + 1
        if k1 <= k0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        cols = np.arange(k0, k1)[:, None] + np.arange(ROLLING_HOURS)[None, :]
        inside = (cols >= 0) & (cols < n)
        safe = np.clip(cols, 0, max(n - 1, 0))
        vals = np.where(inside, values[safe] if n else 0.0, 0.0)
        pres = inside & (present[safe] if n else False)
        total, count = _window_sums(vals, pres, ROLLING_HOURS)
        ok = count >= ROLLING_MIN_HOURS
        starts = lo + np.arange(k0, k1, dtype=np.int64)[ok] * HOUR
        return starts, total[ok] / count[ok]
    if averaging == "24h":
        d0 = (lo + LOCAL_OFFSET) // DAY * DAY - LOCAL_OFFSET
        pad = (lo - d0) // HOUR
        days = -(-(pad + n) // 24)
        vals = np.zeros(days * 24, dtype=np.float64)
        pres = np.zeros(days * 24, dtype=np.bool_)
        vals[pad : pad + n], pres[pad : pad + n] = values, present
        total, count = _window_sums(vals.reshape(days, 24), pres.reshape(days, 24), 24)
        day_starts = d0 + np.arange(days, dtype=np.int64) * DAY
        ok = (count >= DAY_MIN_HOURS) & (day_starts + DAY > start) & (day_starts < end)
        ok &= (start < day_starts + DAY) & (day_starts + DAY <= end)
        return day_starts[ok], total[ok] / count[ok]
    raise ValueError(f"unknown averaging {averaging!r}")


def ratios(limit: AppliedLimit, means: Floats) -> Floats:
    """:meth:`AppliedLimit.ratio` of every mean: measured ÷ limit, capped at 999."""
    parts: list[Floats] = []
    if limit.value is not None and limit.value > 0:
        parts.append(means / limit.value)
    if limit.high is not None and limit.high > 0:
        parts.append(means / limit.high)
    if limit.low is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            parts.append(np.where(means > 0, limit.low / np.where(means > 0, means, 1.0), 999.0))
    if not parts:
        return np.zeros(means.shape[0], dtype=np.float64)
    top = parts[0]
    for part in parts[1:]:
        top = np.maximum(top, part)
    return np.minimum(top, 999.0)


def count_periods(
    starts: Ints,
    means: Floats,
    limit_at: Callable[[int], AppliedLimit | None],
    near_fraction: float,
) -> tuple[int, int, int]:
    """``(evaluated, compliant, near)``: periods with a limit (``limit_at(period start)``, the
    same for every start of a local day), ratio ≤ 1, and near_fraction ≤ ratio ≤ 1."""
    if starts.shape[0] == 0:
        return 0, 0, 0
    days, first, inverse = np.unique(
        (starts + LOCAL_OFFSET) // DAY, return_index=True, return_inverse=True
    )
    # a ratio depends on the limit's value, low and high only: days with equal ones share a group
    groups: dict[tuple[float | None, ...], tuple[AppliedLimit, int]] = {}
    day_group = np.full(days.shape[0], -1, dtype=np.int64)
    for i, at in enumerate(first):
        limit = limit_at(int(starts[at]))
        if limit is not None:
            key = (limit.value, limit.low, limit.high)
            day_group[i] = groups.setdefault(key, (limit, len(groups)))[1]
    group = day_group[inverse.reshape(-1)]
    evaluated = compliant = near = 0
    for limit, g in groups.values():
        r = ratios(limit, means[group == g])
        evaluated += r.shape[0]
        compliant += int((r <= 1).sum())
        near += int(((near_fraction <= r) & (r <= 1)).sum())
    return evaluated, compliant, near
