"""Cumulative rain feeds ("mm since the daily reset hour") turned into rain per interval.

National networks publish the rain accumulated since a daily reset (VRAIN: 19:00 local, the
hydro-met rain day). Differencing consecutive samples gives the rain between them, with these
rules (each interval keeps a note saying why it is what it is):

* same rain day, value up or equal: rain = difference;
* a reset hour lies between two samples: rain after the reset = the new value; rain between the
  old sample and the reset is unknown ("no data") unless the old sample sits on the reset hour
  (a sample at the reset hour is the day's total);
* crossing the reset but the value did not drop (the feed missed its reset): rain = difference,
  noted, and the series is treated as not reset until it drops;
* value drops outside a reset: "no data" for that interval (a glitch or an unannounced reset),
  and the new value is the new base.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import NamedTuple

DAY = 86_400
LOCAL_OFFSET = 7 * 3600  # data-file and feed times are local (UTC+7); storage is UTC


class Interval(NamedTuple):
    """Rain between ``start`` and ``end`` (UTC epoch s), None = no data, with a note."""

    start: int
    end: int
    mm: float | None
    note: str = ""


def last_reset(t: int, reset_hour_local: int) -> int:
    """The most recent reset instant at or before ``t`` (UTC epoch seconds)."""
    local = t + LOCAL_OFFSET
    reset = local - local % DAY + reset_hour_local * 3600
    if reset > local:
        reset -= DAY
    return reset - LOCAL_OFFSET


def difference(samples: Sequence[tuple[int, float]], reset_hour_local: int) -> list[Interval]:
    """Rain per interval from ``(t, cumulative mm)`` samples (sorted by time is not assumed)."""
    pts = sorted(samples)
    out: list[Interval] = []
    for (t0, c0), (t1, c1) in pairwise(pts):
        if t1 == t0:
            continue
        reset = last_reset(t1 - 1, reset_hour_local)  # a sample at the reset ends its day
        if t0 > reset:  # same rain day
            if c1 >= c0:
                out.append(Interval(t0, t1, c1 - c0))
            else:
                out.append(Interval(t0, t1, None, "cumulative fell outside the reset hour"))
        elif c1 >= c0 > 0 and t0 >= reset - DAY:  # one reset crossed, no drop: missed reset
            out.append(Interval(t0, t1, c1 - c0, "reset missed: differenced"))
        else:  # reset between the samples: the new value is the rain since the reset
            if t0 < reset:
                out.append(Interval(t0, reset, None, "rain before the reset unknown"))
            out.append(Interval(reset, t1, c1, "since reset"))
    return out
