"""Alert severity of Decree 45/2022/NĐ-CP exceedance bands (Điều 18 wastewater, Điều 19 flue gas).

The breakpoints, labels and citation are the cited data of ``stations/data/penalty_bands.csv``
(read by :mod:`stations.compliance.bands`); this module only says how urgent each band is.
"""

from __future__ import annotations

from enum import StrEnum

from stations.compliance.bands import band_at, band_of

__all__ = ["Severity", "band_citation", "band_label", "band_of", "severity_of_band"]


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


def band_label(band: int, lang: str = "vi") -> str:
    """Human label of a band index."""
    found = band_at(band)
    return found.label_vi if lang == "vi" else found.label_en


def band_citation(band: int) -> str:
    """The legal citation of a band (the CSV's citation up to its first ";")."""
    return band_at(band).citation.split(";")[0].strip()


def severity_of_band(band: int) -> Severity:
    """Exceedance severity: a warning below 1.1×, major up to 1.5×, critical from 1.5×."""
    if band <= 0:
        return Severity.WARNING
    if band == 1:
        return Severity.MAJOR
    return Severity.CRITICAL
