"""Health effects and activity advice per VN_AQI category (QĐ 1459/QĐ-TCMT Bảng 4 and Bảng 5).

The texts are data (``stations/data/aqi_advice.csv``): the Vietnamese is the decision's wording,
the English is our translation and says so in its citation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache

from stations.aqi import DATA_DIR


@dataclass(frozen=True, slots=True)
class Advice:
    """Bảng 4 (health effect) and Bảng 5 (ordinary people / sensitive groups) for a category."""

    category: int
    health_vi: str
    general_vi: str
    sensitive_vi: str
    health_en: str
    general_en: str
    sensitive_en: str
    citation: str


@cache
def advice_table() -> dict[int, Advice]:
    """``{category 1..6: Advice}``."""
    with (DATA_DIR / "aqi_advice.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {
        int(r["category"]): Advice(
            category=int(r["category"]),
            health_vi=r["health_vi"],
            general_vi=r["general_vi"],
            sensitive_vi=r["sensitive_vi"],
            health_en=r["health_en"],
            general_en=r["general_en"],
            sensitive_en=r["sensitive_en"],
            citation=r["citation"],
        )
        for r in rows
    }


def advice_for(category: int) -> Advice:
    """The advice of one category (1 Tốt .. 6 Nguy hại); KeyError outside 1..6."""
    return advice_table()[category]
