"""Rolling accumulations, antecedent rain and the soil-water index of one gauge.

The series is regular: one slot per reporting interval (``step_s``), the value being the mm that
fell in the interval ending at the slot time. A slot without a valid value is "no data": window
sums add the known values and count the missing slots, so a sum with gaps is a lower bound,
never a claim of zero rain.

Antecedent rain: the three 24-h blocks before the current 24 h (block 1 = 24–48 h ago, …).
``prior_days`` counts consecutive blocks, nearest first, holding at least the "rain day" amount
(``settings.csv`` ``rain_day_min_mm``, provisional). The tank model runs through gaps with no
rain added and marks the index incomplete while a gap lies in the last 72 h.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stations.rain import tank
from stations.rain.data import number

WINDOWS_H = (1, 3, 6, 24, 72)
PRIOR_BLOCKS = 3
LOOKBACK_S = (24 + 24 * PRIOR_BLOCKS) * 3600  # enough history for every window


@dataclass(frozen=True, slots=True)
class RainRow:
    """Everything computed for one slot (sums in mm; ``missing`` in slots per window)."""

    at: int
    mm: float | None
    qc: str | None
    sums: dict[int, float]  # window hours -> mm of the known values
    missing: dict[int, int]  # window hours -> slots without data
    prior_1d: float
    prior_2d: float
    prior_days: int
    prior_complete: bool
    swi: float
    state: tank.TankState
    swi_complete: bool


def accumulate(
    values: Sequence[float | None],
    qc: Sequence[str | None],
    first_at: int,
    step_s: int,
    *,
    emit_from: int = 0,
    state: tank.TankState = tank.TankState(),
) -> list[RainRow]:
    """Rows for slots ``emit_from..`` of a series whose slot 0 is at ``first_at``.

    ``state`` is the tank state at slot ``emit_from - 1`` (or before slot 0 when ``emit_from``
    is 0); the tank runs from ``emit_from`` only, so stored states can be continued.
    """
    n = len(values)
    known = [0.0] * (n + 1)  # prefix sums of known mm
    gaps = [0] * (n + 1)  # prefix counts of missing slots
    for i, v in enumerate(values):
        known[i + 1] = known[i] + (v or 0.0)
        gaps[i + 1] = gaps[i] + (v is None)
    per_h = 3600 / step_s
    rain_day = number("rain_day_min_mm")
    dt_h = step_s / 3600
    day = round(24 * per_h)
    rows = []
    for i in range(emit_from, n):
        end = i + 1

        def window(slots: int, end: int = end) -> tuple[float, int]:
            lo = max(end - slots, 0)
            return known[end] - known[lo], gaps[end] - gaps[lo] + (slots - (end - lo))

        sums, missing = {}, {}
        for h in WINDOWS_H:
            sums[h], missing[h] = window(round(h * per_h))
        blocks = [window(day, end - day * k) for k in range(1, PRIOR_BLOCKS + 1)]
        prior_days, complete = 0, True
        for mm, miss in blocks:
            if mm >= rain_day:
                prior_days += 1
                continue
            complete = miss == 0
            break
        v = values[i]
        state = tank.step(state, v or 0.0, dt_h)
        rows.append(
            RainRow(
                at=first_at + i * step_s,
                mm=v,
                qc=qc[i],
                sums=sums,
                missing=missing,
                prior_1d=blocks[0][0],
                prior_2d=blocks[0][0] + blocks[1][0],
                prior_days=prior_days,
                prior_complete=complete,
                swi=state.swi,
                state=state,
                swi_complete=missing[72] == 0,
            )
        )
    return rows
