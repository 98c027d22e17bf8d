"""A SYNTHETIC typhoon-like storm for the demo and the replay: a rain field moving across the
province over several days.

The rain rate at a point is a Gaussian of its distance to the storm centre, which moves along a
straight track at constant speed, scaled by an envelope that rises, peaks and decays over the
storm's life, plus an outer rain band. Values per reporting interval are deterministic in
(seed, gauge, time) with a little noise, so no value repeats for hours (a repeating value is
what a stuck gauge looks like). Nothing here is a measurement.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from stations.rain.places import distance_km


@dataclass(frozen=True, slots=True)
class Storm:
    """Track from (lon0, lat0) at ``start`` to (lon1, lat1) at ``start + hours``."""

    start: int
    hours: float
    lon0: float
    lat0: float
    lon1: float
    lat1: float
    peak_mm_h: float = 9.0
    radius_km: float = 70.0
    seed: int = 17

    def centre(self, t: int) -> tuple[float, float]:
        """The storm centre at ``t`` (clamped to the track)."""
        f = min(max((t - self.start) / (self.hours * 3600), 0.0), 1.0)
        return self.lon0 + f * (self.lon1 - self.lon0), self.lat0 + f * (self.lat1 - self.lat0)

    def envelope(self, t: int) -> float:
        """0..1: the storm's strength over its life (a sine bump; 0 outside it)."""
        f = (t - self.start) / (self.hours * 3600)
        return math.sin(math.pi * f) ** 2 if 0 < f < 1 else 0.0

    def rate_mm_h(self, lon: float, lat: float, t: int) -> float:
        """Rain rate at a point, mm/h."""
        env = self.envelope(t)
        if env == 0.0:
            return 0.0
        clon, clat = self.centre(t)
        d = distance_km(lon, lat, clon, clat)
        core = math.exp(-((d / self.radius_km) ** 2) / 2)
        band = 0.35 * math.exp(-(((d - 2.2 * self.radius_km) / (0.4 * self.radius_km)) ** 2))
        return self.peak_mm_h * env * (core + band)

    def rain_mm(self, gauge: str, lon: float, lat: float, t: int, step_s: int) -> float:
        """Rain in the interval ending at ``t``, mm (0.1 mm resolution, as gauges report)."""
        mid = t - step_s // 2
        rate = self.rate_mm_h(lon, lat, mid)
        if rate < 0.05:
            return 0.0
        noise = random.Random(f"{self.seed}:{gauge}:{t}").uniform(0.6, 1.4)
        return round(rate * step_s / 3600 * noise, 1)


def demo_storm(now: int) -> Storm:
    """The demo's storm: four days from the Gulf of Tonkin north-west across Lạng Sơn, about
    100–190 mm in the 24 h before ``now`` after a wet day (so prior rain days count), still
    raining at ``now``."""
    hours = 96.0
    start = now - int(hours * 3600 * 0.7)
    return Storm(start, hours, 108.2, 21.0, 105.9, 22.6)
