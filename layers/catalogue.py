"""``/api/layers``: the collections and rasters the map can show, with legends."""

from __future__ import annotations

from typing import Any

from layers.levels import legend
from layers.registry import COLLECTIONS

HAZARD_TITLES = {
    "landslide": ("Nguy cơ sạt lở (raster)", "Landslide susceptibility (raster)"),
    "flood": ("Nguy cơ ngập (raster)", "Flood hazard (raster)"),
}


def layer_catalogue(
    sources: list[dict[str, Any]], counts: dict[str, int], base: str = ""
) -> list[dict[str, Any]]:
    """Vector collections (items URL, geometry type, count) then rasters (tile URL template)."""
    out: list[dict[str, Any]] = []
    for c in COLLECTIONS.values():
        zoned = c.id.endswith("-zones")
        out.append(
            {
                "id": c.id,
                "title_vi": c.title_vi,
                "title_en": c.title_en,
                "kind": "vector",
                "items": f"{base}/ogc/collections/{c.id}/items",
                "geometry_type": c.geometry_type,
                "count": counts.get(c.id),
                "legend": legend() if zoned else [],
                "legend_property": "level" if zoned else None,
            }
        )
    for s in sources:
        if not s.get("raster_path"):
            continue
        vi, en = HAZARD_TITLES.get(s["hazard"], (s["hazard"], s["hazard"]))
        out.append(
            {
                "id": s["id"],
                "title_vi": f"{vi}: {s['title']}",
                "title_en": f"{en}: {s['title']}",
                "kind": "raster",
                "hazard": s["hazard"],
                "tiles": f"{base}/tiles/{s['id']}/{{z}}/{{x}}/{{y}}.png",
                "geometry_type": None,
                "synthetic": bool(s["synthetic"]),
                "legend": legend(),
            }
        )
    return out
