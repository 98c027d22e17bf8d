"""Decree 45/2022/NĐ-CP exceedance bands (measured ÷ limit), read from
``stations/data/penalty_bands.csv``: index 0 (< 1.1×) … 5 (≥ 10×)."""

from __future__ import annotations

import csv
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BANDS_CSV = Path(__file__).resolve().parent.parent / "data" / "penalty_bands.csv"


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


@cache
def bands() -> tuple[Band, ...]:
    """All bands, lowest first."""
    with BANDS_CSV.open(encoding="utf-8", newline="") as fh:
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


def band_of(ratio: float) -> int:
    """Band index of a ratio; a ratio on a breakpoint takes the upper band (1.1 → 1)."""
    edges = [b.ratio_from for b in bands() if b.ratio_from is not None]
    return bisect_right(edges, ratio)


def band_label(index: int) -> str:
    """``"từ 1,1 đến dưới 1,5 lần / 1.1 to < 1.5×"``."""
    band = bands()[max(0, min(index, len(bands()) - 1))]
    return f"{band.label_vi} / {band.label_en}"
