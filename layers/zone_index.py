"""Which zones contain a point: an STRtree over every zone, rebuilt only when zones change."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection

from layers import revision
from layers.levels import LEVELS
from layers.zones_store import ZoneRecord, layers_revision, load_zones

MAX_CACHED_POINTS = 50_000


@dataclass(frozen=True, slots=True)
class ZoneIndex:
    """Zones and a spatial index over them (EPSG:4326)."""

    zones: tuple[ZoneRecord, ...]
    tree: shapely.STRtree
    # levels_at per coordinate: sites do not move, and the stations layer is rebuilt after
    # every ingest batch; the index itself is replaced when zones change.
    _levels: dict[tuple[float, float], dict[str, Any]] = field(default_factory=dict)
    # the distinct answers (a few dozen level combinations), shared by every cached point
    _shared: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def build(cls, zones: list[ZoneRecord]) -> ZoneIndex:
        """Index ``zones`` (shapely prepares each geometry for fast containment tests)."""
        geoms = np.array([z.geometry for z in zones], dtype=object)
        shapely.prepare(geoms)
        return cls(tuple(zones), shapely.STRtree(geoms))

    def containing(self, lon: float, lat: float) -> list[ZoneRecord]:
        """Zones that contain (or touch) the point, highest level first."""
        if not self.zones:
            return []
        # The tree gives bbox candidates; the exact test runs on the prepared zone geometry
        # (a prepared polygon answers point-in-polygon in about log(vertices), not linearly).
        candidates = self.tree.query(shapely.Point(lon, lat))
        hits = [
            self.zones[i]
            for i in candidates
            if shapely.intersects_xy(self.zones[i].geometry, lon, lat)
        ]
        return sorted(hits, key=lambda z: (-z.level, z.id))

    def levels_at(self, lon: float, lat: float) -> dict[str, Any]:
        """Flat properties for a feature: the highest level of each hazard at the point."""
        held = self._levels.get((lon, lat))
        if held is None:
            held = self._levels_at(lon, lat)
            if len(self._levels) < MAX_CACHED_POINTS:  # bounded: /api/zones/at takes any point
                held = self._shared.setdefault(tuple(held.items()), held)
                self._levels[(lon, lat)] = held
        return dict(held)

    def _levels_at(self, lon: float, lat: float) -> dict[str, Any]:
        out: dict[str, Any] = {}
        found = self.containing(lon, lat)
        for hazard in ("landslide", "flood"):
            top = next((z for z in found if z.hazard == hazard), None)
            lv = LEVELS[top.level] if top else None
            out[f"{hazard}_level"] = lv.value if lv else None
            out[f"{hazard}_level_vi"] = lv.label_vi if lv else None
            out[f"{hazard}_level_en"] = lv.label_en if lv else None
        return out


_lock = threading.Lock()
_cached: dict[str, Any] = {"key": None, "index": None}


def zone_index(conn: Connection) -> ZoneIndex:
    """The current zone index; rebuilt when this process or the database says zones changed."""
    key = (conn.engine.url.render_as_string(), revision.current(), layers_revision(conn))
    with _lock:
        if _cached["key"] == key:
            return _cached["index"]  # type: ignore[no-any-return]
    index = ZoneIndex.build(load_zones(conn))
    with _lock:
        _cached.update(key=key, index=index)
    return index
