"""The soil-water index (SWI): JMA's three-stage series tank model.

Rain enters tank 1; each tank drains sideways through outlets above a height and downwards into
the next tank in proportion to its storage. SWI = s1 + s2 + s3 (mm). Constants are nationwide
(``tank_constants.csv``: JMA; Okada et al. 2001; two public implementations agree).

The step is the explicit one of JMA's published scheme (storage at the start of the step
drives the outflows; rain of the step is added to tank 1): with ``dt`` in hours,
``s1' = (1 - b1 dt) s1 - q1 dt + r``, ``s2' = (1 - b2 dt) s2 - q2 dt + b1 s1 dt``,
``s3' = (1 - b3 dt) s3 - q3 dt + b2 s2 dt``, each clipped at 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from stations.rain.data import tank_constants


class TankState(NamedTuple):
    """Storage of the three tanks, mm."""

    s1: float = 0.0
    s2: float = 0.0
    s3: float = 0.0

    @property
    def swi(self) -> float:
        """The soil-water index, mm."""
        return self.s1 + self.s2 + self.s3


def step(state: TankState, rain_mm: float, dt_h: float) -> TankState:
    """One step of ``dt_h`` hours with ``rain_mm`` of rain in it."""
    k = tank_constants()
    s1, s2, s3 = state
    q1 = k["a1"] * max(s1 - k["l1"], 0.0) + k["a2"] * max(s1 - k["l2"], 0.0)
    q2 = k["a3"] * max(s2 - k["l3"], 0.0)
    q3 = k["a4"] * max(s3 - k["l4"], 0.0)
    n1 = (1 - k["b1"] * dt_h) * s1 - q1 * dt_h + rain_mm
    n2 = (1 - k["b2"] * dt_h) * s2 - q2 * dt_h + k["b1"] * s1 * dt_h
    n3 = (1 - k["b3"] * dt_h) * s3 - q3 * dt_h + k["b2"] * s2 * dt_h
    return TankState(max(n1, 0.0), max(n2, 0.0), max(n3, 0.0))


def run(rain: Iterable[float], dt_h: float, state: TankState = TankState()) -> list[TankState]:
    """The state after each step of a rain series (mm per step)."""
    out = []
    for r in rain:
        state = step(state, r, dt_h)
        out.append(state)
    return out
