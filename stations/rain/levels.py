"""The Decision 18 level of one place from its rain, and the issued level with hysteresis.

Outcomes (``Assessment.status``):

* ``assessed``: a known or provisional cell matched (``level`` set; ``provisional`` says which),
  or the 24-h rain is below the lowest band (level 0);
* ``not_assessed``: the rain reaches the bands but the matching cell's level is missing, no cell
  matches, or the place's susceptibility class is unknown; an officer must act, it is not "safe";
* ``no_data``: no gauge in range, or the known rain is below the bands while some of the 24 h is
  missing (a sum with gaps is only a lower bound).

A sum with gaps that already reaches a cell gives that level as a lower bound (``lower_bound``).
An optional SWI threshold for the place raises the level when the index reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from stations.rain.data import number
from stations.rain.thresholds import cells, swi_thresholds


@dataclass(frozen=True, slots=True)
class PlaceRain:
    """The rain a place gets from its gauges (see :mod:`stations.rain.places`)."""

    rain24: float | None
    prior_days: int
    prior_1d: float | None
    prior_2d: float | None
    swi: float | None
    complete: bool
    gauges: tuple[tuple[str, float, float], ...] = ()  # (station id, distance km, weight)


@dataclass(frozen=True, slots=True)
class Assessment:
    """The level of one place at one time and why."""

    status: str
    level: int | None
    provisional: bool = False
    lower_bound: bool = False
    reason: str = ""
    citation: str = ""
    confidence: str = ""


def assess(
    rain: PlaceRain, susceptibility: str | None, region: str, place_id: str = ""
) -> Assessment:
    """The Điều 46 level of a place in a susceptibility class of a rainfall region."""
    if rain.rain24 is None:
        return Assessment("no_data", None, reason="không có trạm đo mưa / no gauge in range")
    lowest = number("lowest_rain24_mm")
    base: Assessment
    if rain.rain24 < lowest:
        if not rain.complete:
            return Assessment("no_data", None, reason="thiếu số liệu 24 h / 24 h incomplete")
        base = Assessment("assessed", 0, reason=f"24 h < {lowest:g} mm")
    elif susceptibility is None:
        return Assessment("not_assessed", None, reason="không rõ cấp nguy cơ / class unknown")
    else:
        base = _cell_level(rain, susceptibility, region)
    return _with_swi(base, rain, place_id)


def _cell_level(rain: PlaceRain, susceptibility: str, region: str) -> Assessment:
    assert rain.rain24 is not None
    for c in cells(region):
        if c.susceptibility != susceptibility or not c.matches(rain.rain24, rain.prior_days):
            continue
        if c.level is None:
            return Assessment(
                "not_assessed",
                None,
                reason="ngưỡng chưa có, cán bộ nhập / threshold missing, officer enters",
                citation=c.citation,
            )
        return Assessment(
            "assessed",
            c.level,
            provisional=c.status != "known",
            lower_bound=not rain.complete,
            reason=f"{rain.rain24:.0f} mm/24 h, {rain.prior_days} prior day(s), {c.susceptibility}",
            citation=c.citation,
            confidence=c.confidence,
        )
    return Assessment(
        "not_assessed", None, reason="không có ô ngưỡng phù hợp / no threshold cell matches"
    )


def _with_swi(base: Assessment, rain: PlaceRain, place_id: str) -> Assessment:
    if rain.swi is None:
        return base
    best = base
    for t in swi_thresholds().get(place_id, ()):
        if rain.swi >= t.swi_min and (best.level is None or t.level > best.level):
            best = Assessment(
                "assessed",
                t.level,
                provisional=t.status != "known",
                reason=f"SWI {rain.swi:.0f} mm ≥ {t.swi_min:g} mm",
                citation=t.citation,
                confidence=t.confidence,
            )
    return best


def issued_level(
    previous: int | None, previous_since: int | None, current: int | None, now: int, hold_s: int
) -> tuple[int | None, int | None]:
    """The issued level with hysteresis: up at once; down only after ``current`` has stayed
    below the issued level for ``hold_s`` (``previous_since`` = when it first fell below).

    Returns ``(issued level, since when the computed level has been below it or None)``.
    Unknown levels (no data, not assessed) never lower an issued warning.
    """
    if current is None:
        return previous, previous_since
    if previous is None or current >= previous:
        return current, None
    since = previous_since if previous_since is not None else now
    if now - since >= hold_s:
        return current, None
    return previous, since
