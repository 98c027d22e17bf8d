"""Exceedance bands of Decree 45/2022/NĐ-CP (Điều 18 wastewater, Điều 19 flue gas).

The sanction grows with the multiple measured ÷ limit; the decree's breakpoints are
1.1, 1.5, 3, 5 and 10 times (regulations.md §9; the first two are well attested, the higher
ones are of low/medium confidence and are marked so in the labels' source).
"""

from __future__ import annotations

from bisect import bisect_right
from enum import StrEnum

BREAKPOINTS = (1.1, 1.5, 3.0, 5.0, 10.0)
BAND_LABELS_VI = (
    "dưới 1,1 lần",
    "từ 1,1 đến dưới 1,5 lần",
    "từ 1,5 đến dưới 3 lần",
    "từ 3 đến dưới 5 lần",
    "từ 5 đến dưới 10 lần",
    "từ 10 lần trở lên",
)
BAND_LABELS_EN = ("< 1.1×", "1.1 to < 1.5×", "1.5 to < 3×", "3 to < 5×", "5 to < 10×", "≥ 10×")
BAND_SOURCE = "Nghị định 45/2022/NĐ-CP, Điều 18–19"


class Severity(StrEnum):
    """Alert severity, ordered from least to most urgent."""

    INFO = "info"
    WARNING = "warning"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 3 for critical."""
        return list(Severity).index(self)


def band_of(ratio: float) -> int:
    """The band index 0..5 of measured ÷ limit; a ratio on a breakpoint takes the upper band."""
    return bisect_right(BREAKPOINTS, ratio)


def band_label(band: int, lang: str = "vi") -> str:
    """Human label of a band index."""
    labels = BAND_LABELS_VI if lang == "vi" else BAND_LABELS_EN
    return labels[max(0, min(band, len(labels) - 1))]


def severity_of_band(band: int) -> Severity:
    """Exceedance severity: a warning below 1.1×, major up to 1.5×, critical from 1.5×."""
    if band <= 0:
        return Severity.WARNING
    if band == 1:
        return Severity.MAJOR
    return Severity.CRITICAL
