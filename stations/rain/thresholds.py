"""The Decision 18/2021 Điều 46 thresholds table (``qd18_thresholds.csv``) as cells.

A cell is a band of 24-h rain × a band of prior rain days × a susceptibility class → a level,
with its citation and confidence. ``status`` is ``known``, ``provisional`` (read in part; an
officer confirms) or ``missing`` (the band is part of the article's structure but its level was
not found: a place in it is "not assessed" until an officer enters the level).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from stations.rain.data import read_rows

CLASSES = ("very_low", "low", "medium", "high", "very_high")
# Hazard-zone class 1..5 (layers/levels.py: rất thấp … rất cao) -> the Điều 46 wording.
CLASS_OF_ZONE_LEVEL = dict(enumerate(CLASSES, start=1))


@dataclass(frozen=True, slots=True)
class Cell:
    """One row of the table (a band's lower rain bound is exclusive above 100 mm, as written:
    "> 200–400 mm")."""

    region: str
    level: int | None
    susceptibility: str
    rain24_min: float
    rain24_max: float | None
    prior_min: int
    prior_max: int | None
    status: str
    citation: str
    confidence: str

    def matches(self, rain24: float, prior_days: int) -> bool:
        """True when the rain and the prior rain days fall in this cell's bands."""
        low_ok = rain24 >= self.rain24_min if self.rain24_min <= 100 else rain24 > self.rain24_min
        high_ok = self.rain24_max is None or rain24 <= self.rain24_max
        days_ok = prior_days >= self.prior_min and (
            self.prior_max is None or prior_days <= self.prior_max
        )
        return low_ok and high_ok and days_ok


def _opt(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def cells(region: str) -> tuple[Cell, ...]:
    """The cells of one rainfall region (e.g. ``KV2``)."""
    out = []
    for r in read_rows("qd18_thresholds.csv"):
        if r["region"] != region:
            continue
        if r["susceptibility"] not in CLASSES:
            raise ValueError(f"qd18_thresholds.csv: unknown class {r['susceptibility']!r}")
        level = int(r["level"]) if r["level"].strip() else None
        if (level is None) != (r["status"] == "missing"):
            raise ValueError("qd18_thresholds.csv: a missing row has no level, others have one")
        prior_max = _opt(r["prior_days_max"])
        out.append(
            Cell(
                region=region,
                level=level,
                susceptibility=r["susceptibility"],
                rain24_min=float(r["rain24_min_mm"]),
                rain24_max=_opt(r["rain24_max_mm"]),
                prior_min=int(r["prior_days_min"]),
                prior_max=int(prior_max) if prior_max is not None else None,
                status=r["status"],
                citation=r["citation"],
                confidence=r["confidence"],
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class SwiThreshold:
    """An optional per-place soil-water-index threshold (JMA-style, set from past disasters)."""

    place_id: str
    level: int
    swi_min: float
    status: str
    citation: str
    confidence: str


@cache
def swi_thresholds() -> dict[str, tuple[SwiThreshold, ...]]:
    """``swi_thresholds.csv`` by place (empty until the Sở sets them from past events)."""
    out: dict[str, list[SwiThreshold]] = {}
    for r in read_rows("swi_thresholds.csv"):
        t = SwiThreshold(
            r["place_id"],
            int(r["level"]),
            float(r["swi_min_mm"]),
            r["status"],
            r["citation"],
            r["confidence"],
        )
        out.setdefault(t.place_id, []).append(t)
    return {k: tuple(v) for k, v in out.items()}
