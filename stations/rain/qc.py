"""Rain-specific quality control on one gauge's series, after the generic flags of
:mod:`stations.qc` (device status, negative values via the catalogue range).

A value that fails becomes "no data" for its interval, with the reason kept; it is never zero.

* ``negative``: below 0 mm.
* ``impossible_intensity``: the interval, or the 60 minutes ending with it, holds more than the
  world 60-minute record (``settings.csv`` ``max_mm_60min``, WMO, cited).
* ``stuck``: the same non-zero value for ``stuck_n`` consecutive intervals (a jammed counter
  repeating its last increment). A project heuristic, not a regulatory figure; the default,
  36 intervals, is 6 h at a 10-minute cadence (steady real rain rarely repeats that long).
"""

from __future__ import annotations

from collections.abc import Sequence

from stations.rain.data import number

STUCK_N = 36


def check(
    values: Sequence[float | None], step_s: int, *, stuck_n: int = STUCK_N
) -> tuple[list[float | None], dict[int, str]]:
    """``(cleaned values, {index: reason})`` for a regular series of mm per step."""
    limit = number("max_mm_60min")
    per_hour = max(1, 3600 // step_s) if step_s <= 3600 else 1
    out: list[float | None] = list(values)
    reasons: dict[int, str] = {}
    window = 0.0  # sum of the accepted values of the last hour
    for i, v in enumerate(values):
        if i >= per_hour and out[i - per_hour] is not None:
            window -= out[i - per_hour] or 0.0
        if v is None:
            continue
        if v < 0:
            out[i], reasons[i] = None, "negative"
        elif step_s <= 3600 and (v > limit or window + v > limit):
            out[i], reasons[i] = None, "impossible_intensity"
        else:
            window += v
    run = 1
    for i in range(1, len(values) + 1):
        same = i < len(values) and values[i] is not None and values[i] == values[i - 1]
        if same and values[i]:
            run += 1
            continue
        if run >= stuck_n:
            for j in range(i - run, i):
                out[j], reasons[j] = None, "stuck"
        run = 1
    return out, reasons
