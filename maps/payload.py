"""Slim versions of the layers for the map: only what a marker or outline needs on screen.

The OGC collections carry everything (every laboratory result of every point, zone outlines at
survey precision); the map's first load must stay small (bench target: < 300 KB of data). So
the map draws slim layers and asks for one feature's full record when its popup opens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import mapping, shape

# What a monitoring-point marker, its search entry and its short popup header use.
POINT_KEYS = (
    "id",
    "name",
    "medium",
    "water_class",
    "commune",
    "district_former",
    "synthetic",
    "round",
    "round_label",
    "status",
    "wqi",
    "wqi_class",
    "wqi_class_en",
)

# What a result row of a point popup shows.
RESULT_KEYS = ("value", "unit", "qualifier", "limit", "ratio", "verdict")

# About 120 m at 22° N. The demo zones (polygonised from a raster) have vertices ~110 m apart,
# so a smaller tolerance removes nothing; this one halves the landslide layer (214 -> 164 KB) and
# stays within a pixel or two up to zoom 12. The full geometry stays in /ogc and the exports.
SIMPLIFY_DEGREES = 0.0012
# 5 decimals of a degree is about 1 m: more is noise for a display layer.
PRECISION = 5


def _round(coords: Any, digits: int) -> Any:
    if isinstance(coords, int | float):
        return round(coords, digits)
    return [_round(c, digits) for c in coords]


def slim_geometry(
    geometry: dict[str, Any] | None, tolerance: float = SIMPLIFY_DEGREES, digits: int = PRECISION
) -> dict[str, Any] | None:
    """A GeoJSON geometry simplified (topology kept) and rounded to ``digits`` decimals."""
    if geometry is None:
        return None
    geom = shape(geometry)
    if tolerance > 0 and geom.geom_type != "Point":
        simpler = shapely.simplify(geom, tolerance, preserve_topology=True)
        if not simpler.is_empty:
            geom = simpler
    out = mapping(geom)
    return {"type": out["type"], "coordinates": _round(out["coordinates"], digits)}


def slim_points(features: Sequence[dict[str, Any]], *, results: bool = False) -> dict[str, Any]:
    """Monitoring points with the marker properties (and the results, for a snapshot)."""
    out = []
    for f in features:
        props = f.get("properties") or {}
        slim = {k: props.get(k) for k in POINT_KEYS if props.get(k) is not None}
        exceedances = props.get("exceedances") or []
        slim["n_exceedances"] = len(exceedances)
        if results and props.get("results"):
            full = props["results"]
            slim["results"] = {
                code: {k: r.get(k) for k in RESULT_KEYS if r.get(k) is not None}
                for code, r in full.items()
            }
            # Said once per point rather than on every result row.
            slim["regulations"] = sorted(
                {r["regulation"] for r in full.values() if r.get("regulation")}
            )
            slim["sampled_at"] = max(
                (r.get("sampled_at") or "" for r in full.values()), default=None
            )
        out.append(
            {
                "type": "Feature",
                "id": f.get("id", props.get("id")),
                "geometry": slim_geometry(f.get("geometry"), 0),
                "properties": slim,
            }
        )
    return {"type": "FeatureCollection", "features": out}


def slim_polygons(
    features: Sequence[dict[str, Any]], *, tolerance: float = SIMPLIFY_DEGREES
) -> dict[str, Any]:
    """Zones or communes with simplified, rounded outlines and their properties unchanged."""
    out = [
        {
            "type": "Feature",
            "id": f.get("id"),
            "geometry": slim_geometry(f.get("geometry"), tolerance),
            "properties": f.get("properties") or {},
        }
        for f in features
    ]
    return {"type": "FeatureCollection", "features": out}


# Map layer -> (OGC collection, slimming function).
LAYER_COLLECTIONS: dict[str, str] = {
    "points": "monitoring-points",
    "landslide": "landslide-zones",
    "flood": "flood-zones",
    "communes": "communes",
}


def slim_layer(layer: str, features: Sequence[dict[str, Any]], *, results: bool = False) -> dict:
    """The slim FeatureCollection of one map layer (a key of :data:`LAYER_COLLECTIONS`)."""
    if layer == "points":
        return slim_points(features, results=results)
    if layer in LAYER_COLLECTIONS:
        return slim_polygons(features)
    raise KeyError(layer)
