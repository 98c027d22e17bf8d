"""Monitoring sites: automatic stations and periodic monitoring points."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

STATION_KINDS = ("air", "wastewater", "fluegas", "rain")
POINT_MEDIA = ("surface_water", "groundwater", "ambient_air", "noise", "soil")
MEDIUM_OF_KIND = {
    "air": "ambient_air",
    "wastewater": "wastewater",
    "fluegas": "flue_gas",
    "rain": "precipitation",
}

# Mainland Vietnam's bounding box (degrees, WGS 84), generous by ~0.1° on each side. Islands
# are outside it on purpose: no automatic station of a province department stands there.
VIETNAM_BBOX = (102.0, 8.3, 109.6, 23.5)
# A station's expected interval when its registry gives none (one file at most every 5 min:
# TT 24/2017 Điều 56 as carried over, regulations.md).
DEFAULT_INTERVAL_MINUTES = 5.0


def in_vietnam(lon: float, lat: float) -> bool:
    """True when (lon, lat) falls in mainland Vietnam's bounding box."""
    west, south, east, north = VIETNAM_BBOX
    return west <= lon <= east and south <= lat <= north


@dataclass(frozen=True, slots=True)
class Permit:
    """What a facility station is compared against (see the compliance engine).

    Either ``regulation`` + ``column_class`` + coefficients, or explicit ``limits``
    (``{parameter: value}`` or ``{parameter: [low, high]}`` in the station's units), which win.
    ``operating_since``, ``eia_approved_on`` and ``permit_date`` decide whether the facility
    may keep a replaced regulation under its successor's transition rule (docs/compliance.md).
    """

    regulation: str | None = None
    column_class: str | None = None
    coefficients: dict[str, float] = field(default_factory=dict)
    limits: dict[str, Any] = field(default_factory=dict)
    o2_ref: float | None = None
    basis: str = "1h"
    operating_since: date | None = None
    eia_approved_on: date | None = None
    permit_date: date | None = None

    def applicability_dates(self) -> dict[str, date]:
        """The recorded dates that decide transition eligibility, by field name."""
        dates = {
            "operating_since": self.operating_since,
            "eia_approved_on": self.eia_approved_on,
            "permit_date": self.permit_date,
        }
        return {k: v for k, v in dates.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Site:
    """A station (site_type='station') or a periodic monitoring point (site_type='point')."""

    id: str
    name: str
    site_type: str
    kind: str
    medium: str
    lon: float
    lat: float
    commune: str | None = None
    district_former: str | None = None
    facility: str | None = None
    active: bool = True
    synthetic: bool = False
    parameters: dict[str, str] = field(default_factory=dict)  # {code: unit}
    permit: Permit | None = None
    config: dict[str, Any] = field(default_factory=dict)  # polling and extra fields

    @property
    def interval_s(self) -> float:
        """Expected seconds between readings: ``polling.interval_minutes``, or 5 minutes when it
        is missing, None, zero or negative (never a zero interval)."""
        polling = self.config.get("polling") or {}
        minutes = polling.get("interval_minutes") if isinstance(polling, dict) else None
        if not isinstance(minutes, int | float) or minutes <= 0:
            minutes = DEFAULT_INTERVAL_MINUTES
        return float(minutes) * 60
