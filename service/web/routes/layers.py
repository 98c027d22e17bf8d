"""Layer catalogue, zones at a point, exports and raster tiles; thin over :mod:`layers`."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from layers import revision
from layers.catalogue import layer_catalogue
from layers.errors import UnknownCollection
from layers.export import export_features
from layers.levels import LEVELS
from layers.query import parse_query
from layers.registry import COLLECTIONS
from layers.store import zone_sources
from layers.tiles import TileCache
from layers.zone_index import zone_index
from layers.zones_store import list_zone_sources
from service.runtime import Runtime
from service.web.deps import ConnDep, ContextDep
from service.web.routes.ogc import get_snapshots, snapshot

router = APIRouter(tags=["layers"])


@router.get("/api/layers", summary="Collections and rasters for the map, with legends")
def layers(request: Request, ctx: ContextDep, conn: ConnDep) -> list[dict[str, Any]]:
    """Each layer: id, titles, kind (vector | raster), items URL or tile template, legend."""
    cache = get_snapshots(ctx)
    counts = {c: len(cache.get(c).features) for c in COLLECTIONS}
    return layer_catalogue(list_zone_sources(conn), counts)


@router.get("/api/zones/at", summary="Zones and levels at a point")
def zones_at(
    conn: ConnDep,
    lon: Annotated[float, Query(ge=-180, le=180, description="WGS 84 longitude, degrees")],
    lat: Annotated[float, Query(ge=-90, le=90, description="WGS 84 latitude, degrees")],
) -> dict[str, Any]:
    """Every zone containing (lon, lat), highest level first, and the top level per hazard."""
    index = zone_index(conn)
    found = index.containing(lon, lat)
    return {
        "lon": lon,
        "lat": lat,
        **index.levels_at(lon, lat),
        "zones": [
            {
                "id": z.id,
                "hazard": z.hazard,
                "level": z.level,
                "level_vi": LEVELS[z.level].label_vi,
                "level_en": LEVELS[z.level].label_en,
                "colour": LEVELS[z.level].colour,
                "name": z.name,
                "source_id": z.source_id,
                "synthetic": z.synthetic,
            }
            for z in found
        ],
    }


@router.get(
    "/export/{collection_id}",
    summary="Download a layer: format=geojson|gpkg|shp|kml|csv|fgb, crs=EPSG:4326|9215|3405",
    response_class=Response,
)
def export(collection_id: str, request: Request, ctx: ContextDep) -> Response:
    """The layer as a file, with the same filters as OGC items (bbox, datetime, properties)."""
    snap = snapshot(ctx, collection_id)
    params = dict(request.query_params)
    fmt, crs = params.pop("format", None), params.pop("crs", None)
    query = parse_query(snap.collection, params)
    chosen = snap.select(query)
    if "limit" in params or "offset" in params:
        chosen = chosen[query.offset : query.offset + query.limit]
    out = export_features([snap.features[i] for i in chosen], collection_id, fmt or "", crs)
    return Response(
        out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
    )


def _tile_cache(ctx: Runtime) -> TileCache:
    return ctx.tiles


# Raster sources seen by the tile route: id -> (checked at, generation, raster_path, imported_at).
# Re-checked against the database at most once a second, and at once after a write by this
# process (the same rule as the layer snapshots), so a tile costs no query.
_SOURCE_TTL = 1.0


def _raster_source(ctx: Runtime, raster: str) -> tuple[str | None, Any]:
    sources = ctx.tile_sources
    seen = sources.get(raster)
    now = time.monotonic()
    if seen is not None and seen[1] == revision.current() and now - seen[0] < _SOURCE_TTL:
        return seen[2], seen[3]
    generation = revision.current()
    with ctx.engine.connect() as conn:
        row = conn.execute(
            select(zone_sources.c.raster_path, zone_sources.c.imported_at).where(
                zone_sources.c.id == raster
            )
        ).first()
    found = (row.raster_path, row.imported_at) if row is not None else (None, None)
    sources[raster] = (now, generation, *found)
    return found


def _tile_png(ctx: Any, raster: str, z: int, x: int, y: int) -> bytes:
    raster_path, imported_at = _raster_source(ctx, raster)
    if not raster_path:
        raise HTTPException(404, str(UnknownCollection(raster, "raster", "raster")))
    path = ctx.settings.data_dir / raster_path
    key = (raster, imported_at, z, x, y)
    cache = _tile_cache(ctx)
    png = cache.cached(key)
    if png is not None:
        return png
    if not path.exists():
        raise HTTPException(404, f"Tệp raster bị thiếu / raster file missing: {raster_path}")
    return cache.render(key, path, imported_at, z, x, y)


@router.get(
    "/tiles/{raster}/{z}/{x}/{y}.png",
    summary="Hazard raster as XYZ PNG tiles (Web Mercator), class colours",
    response_class=Response,
)
def tile(raster: str, z: int, x: int, y: int, ctx: ContextDep) -> Response:
    """One tile; transparent outside the raster; 404 for an unknown raster."""
    png = _tile_png(ctx, raster, z, x, y)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=300"})
