"""Decree 45/2022/NĐ-CP exceedance bands (measured ÷ limit), read from
``stations/data/penalty_bands.csv``: index 0 (< 1.1×) … 5 (≥ 10×).

This file is the one source of the breakpoints: compliance episodes and alert severities both
band a ratio here, so an officer's correction of the CSV reaches both.
"""

from __future__ import annotations

import csv
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BANDS_CSV = Path(__file__).resolve().parent.parent / "data" / "penalty_bands.csv"
_active: list[Path] = [BANDS_CSV]


@dataclass(frozen=True, slots=True)
class Band:
    """One band: ratio_from ≤ ratio < ratio_to."""

    index: int
    ratio_from: float | None
    ratio_to: float | None
    label_vi: str
    label_en: str
    citation: str
    confidence: str


def configure_bands(path: Path | None) -> None:
    """Read the bands from ``path`` from now on (None: the package's CSV)."""
    _active[0] = path or BANDS_CSV


@cache
def _read(path: Path) -> tuple[Band, ...]:
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            Band(
                index=int(r["band"]),
                ratio_from=float(r["ratio_from"]) if r["ratio_from"] else None,
                ratio_to=float(r["ratio_to"]) if r["ratio_to"] else None,
                label_vi=r["label_vi"],
                label_en=r["label_en"],
                citation=r["citation"],
                confidence=r["confidence"],
            )
            for r in csv.DictReader(fh)
        )


def bands() -> tuple[Band, ...]:
    """All bands of the active file, lowest first."""
    return _read(_active[0])


def breakpoints() -> tuple[float, ...]:
    """The lower edges of bands 1…5 (1.1, 1.5, 3, 5, 10 in the decree)."""
    return tuple(b.ratio_from for b in bands() if b.ratio_from is not None)


def band_of(ratio: float) -> int:
    """Band index of a ratio; a ratio on a breakpoint takes the upper band (1.1 → 1)."""
    return bisect_right(breakpoints(), ratio)


def band_at(index: int) -> Band:
    """The band of an index, clamped to the table."""
    table = bands()
    return table[max(0, min(index, len(table) - 1))]


def band_label(index: int) -> str:
    """``"từ 1,1 đến dưới 1,5 lần / 1.1 to < 1.5×"``."""
    band = band_at(index)
    return f"{band.label_vi} / {band.label_en}"
