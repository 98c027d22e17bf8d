"""The places that get a warning level: every commune and every hazard (susceptibility) zone.

A zone's class is its own (1 very low … 5 very high, layers/levels.py). A commune's class is the
highest class of the landslide or flood zones covering at least :data:`MIN_SHARE` of its area:
the commune is warned for its most susceptible ground that is more than a sliver (a project
choice, documented in docs/warnings.md). A commune with no such zone has no class ("not
assessed" once the rain reaches the Điều 46 bands). Each
place reads its rain at a point inside it (shapely ``point_on_surface``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from layers.zones_store import layers_revision, load_communes, load_zones
from stations.rain.engine import Place
from stations.rain.thresholds import CLASS_OF_ZONE_LEVEL

MIN_SHARE = 0.10  # a zone class counts for a commune when it covers 10 % of it


@dataclass(frozen=True, slots=True)
class PlaceSet:
    """Places, their geometries (EPSG:4326) and the fingerprint of the tables they come from."""

    places: tuple[Place, ...]
    geometries: dict[tuple[str, str], BaseGeometry]
    names: dict[tuple[str, str], dict[str, Any]]
    revision: tuple[Any, ...]
    # the communes each zone overlaps (any area), for routing the zone's alerts to them
    zone_communes: dict[tuple[str, str], tuple[str, ...]]


def build_places(conn: Connection) -> PlaceSet:
    """Every commune and zone as a :class:`Place` (communes first, then zones by id)."""
    zones = load_zones(conn)
    geoms = np.array([z.geometry for z in zones], dtype=object)
    tree = shapely.STRtree(geoms) if zones else None
    places: list[Place] = []
    geometries: dict[tuple[str, str], BaseGeometry] = {}
    names: dict[tuple[str, str], dict[str, Any]] = {}
    touching: dict[tuple[str, str], list[str]] = {}
    for row, geom in load_communes(conn):
        if row["level"] != "commune":
            continue
        levels = []
        key = ("commune", str(row["id"]))
        if tree is not None and geom.area > 0:
            for i in tree.query(geom, predicate="intersects"):
                zone = zones[int(i)]
                shared = zone.geometry.intersection(geom).area
                if shared > 0:
                    touching.setdefault(("zone", str(zone.id)), []).append(key[1])
                if shared >= MIN_SHARE * geom.area:
                    levels.append(zone.level)
        point = geom.point_on_surface()
        cls = CLASS_OF_ZONE_LEVEL.get(max(levels)) if levels else None
        places.append(Place("commune", key[1], row["name"], point.x, point.y, cls))
        geometries[key] = geom
        names[key] = {"name": row["name"], "synthetic": bool(row["synthetic"])}
    for z in zones:
        point = z.geometry.point_on_surface()
        key = ("zone", str(z.id))
        label = z.name or f"{z.hazard} zone {z.id}"
        places.append(
            Place("zone", key[1], label, point.x, point.y, CLASS_OF_ZONE_LEVEL.get(z.level))
        )
        geometries[key] = z.geometry
        names[key] = {"name": label, "synthetic": z.synthetic, "hazard": z.hazard}
    zone_communes = {k: tuple(v) for k, v in touching.items()}
    return PlaceSet(tuple(places), geometries, names, layers_revision(conn), zone_communes)


_lock = threading.Lock()
_cache: dict[str, PlaceSet] = {}


def cached_places(conn: Connection) -> PlaceSet:
    """:func:`build_places`, rebuilt only when the zone or commune tables change."""
    key = str(conn.engine.url)
    rev = layers_revision(conn)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit.revision == rev:
            return hit
    built = build_places(conn)
    with _lock:
        _cache[key] = built
    return built
