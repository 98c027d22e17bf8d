"""From gauges to places: inverse-distance weighting (IDW) within a radius.

A place (commune or hazard zone) is represented by a point inside it. Every gauge with data
within ``radius_km`` of that point contributes with weight 1/d² (d floored at ``min_km`` so a
gauge on the point does not take all the weight by division by ~0). No gauge in range: "no data"
(never zero rain). The radius is a method choice of the project (default 15 km, about the
spacing of a sparse provincial network), not a regulatory figure; it is a setting.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stations.rain.levels import PlaceRain

EARTH_KM = 6371.0088
RADIUS_KM = 15.0
MIN_KM = 0.5
POWER = 2.0


@dataclass(frozen=True, slots=True)
class GaugeNow:
    """A gauge's latest computed values (see :class:`stations.rain.accumulate.RainRow`)."""

    station_id: str
    lon: float
    lat: float
    rain24: float | None
    complete: bool
    prior_days: int
    prior_1d: float
    prior_2d: float
    swi: float | None


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine), km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def neighbours(
    lon: float, lat: float, gauges: Sequence[GaugeNow], radius_km: float = RADIUS_KM
) -> list[tuple[GaugeNow, float]]:
    """Gauges with a 24-h value within the radius, with their distance, nearest first."""
    out = []
    for g in gauges:
        if g.rain24 is None:
            continue
        d = distance_km(lon, lat, g.lon, g.lat)
        if d <= radius_km:
            out.append((g, d))
    return sorted(out, key=lambda gd: (gd[1], gd[0].station_id))


def place_rain(
    lon: float, lat: float, gauges: Sequence[GaugeNow], radius_km: float = RADIUS_KM
) -> PlaceRain:
    """IDW of 24-h rain, antecedent rain and SWI at a point; prior rain days from the nearest
    gauge (a count does not average)."""
    near = neighbours(lon, lat, gauges, radius_km)
    if not near:
        return PlaceRain(None, 0, None, None, None, complete=False)
    weights = [1.0 / max(d, MIN_KM) ** POWER for _, d in near]
    total = sum(weights)

    def idw(values: Mapping[int, float | None]) -> float | None:
        pairs = [(w, v) for i, w in enumerate(weights) if (v := values[i]) is not None]
        if not pairs:
            return None
        wsum = sum(w for w, _ in pairs)
        return float(sum(w * v for w, v in pairs) / wsum)

    gs = [g for g, _ in near]
    return PlaceRain(
        rain24=idw(dict(enumerate(g.rain24 for g in gs))),
        prior_days=gs[0].prior_days,
        prior_1d=idw(dict(enumerate(g.prior_1d for g in gs))),
        prior_2d=idw(dict(enumerate(g.prior_2d for g in gs))),
        swi=idw(dict(enumerate(g.swi for g in gs))),
        complete=all(g.complete for g in gs),
        gauges=tuple(
            (g.station_id, round(d, 2), round(w / total, 4))
            for (g, d), w in zip(near, weights, strict=True)
        ),
    )
