"""Layer catalogue, zones at a point, exports and raster tiles; thin over :mod:`layers`."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
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


def _fresh_source(ctx: Runtime, raster: str) -> tuple[str | None, Any] | None:
    """The raster's (path, version) when the cached row is current, else None (no I/O)."""
    seen = ctx.tile_sources.get(raster)
    if seen is None or seen[1] != revision.current():
        return None
    if time.monotonic() - seen[0] >= _SOURCE_TTL:
        return None
    return seen[2], seen[3]


def _cached_tile(ctx: Runtime, raster: str, z: int, x: int, y: int) -> tuple[bytes, str] | None:
    """A cache hit answered on the event loop: no database, no file, no thread."""
    source = _fresh_source(ctx, raster)
    if source is None or not source[0]:
        return None
    return _tile_cache(ctx).cached_entry((raster, source[1], z, x, y))


def _tile_png(ctx: Any, raster: str, z: int, x: int, y: int) -> tuple[bytes, str]:
    """The tile and its ETag, checking the source row and rendering on a miss (blocking)."""
    raster_path, imported_at = _raster_source(ctx, raster)
    if not raster_path:
        raise HTTPException(404, str(UnknownCollection(raster, "raster", "raster")))
    path = ctx.settings.data_dir / raster_path
    key = (raster, imported_at, z, x, y)
    cache = _tile_cache(ctx)
    entry = cache.cached_entry(key)
    if entry is not None:
        return entry
    if not path.exists():
        raise HTTPException(404, f"Tệp raster bị thiếu / raster file missing: {raster_path}")
    return cache.render_entry(key, path, imported_at, z, x, y)


# Renders at once per process: a tile is ~6 ms of numpy and zlib under the interpreter lock, so
# 40 pool threads rendering together only add switching and queueing (p99) on 2 cores.
_RENDERS = 2
_limiters: weakref.WeakKeyDictionary[Any, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


async def _in_thread(func: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking tile step in a worker thread, at most ``_RENDERS`` at once per loop."""
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(_RENDERS)
    return await anyio.to_thread.run_sync(func, *args, limiter=limiter)


# Browsers and proxies may keep a tile 5 minutes, then revalidate with If-None-Match (304).
TILE_CACHE_CONTROL = "public, max-age=300"


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


@router.get(
    "/tiles/{raster}/{z}/{x}/{y}.png",
    summary="Hazard raster as XYZ PNG tiles (Web Mercator), class colours",
    response_class=Response,
    responses={304: {"description": "Not modified (If-None-Match matched the ETag)"}},
)
async def tile(raster: str, z: int, x: int, y: int, request: Request, ctx: ContextDep) -> Response:
    """One tile; transparent outside the raster; 404 for an unknown raster. A cached tile is
    answered on the event loop; only a miss (or a source re-check) goes to a worker thread."""
    entry = _cached_tile(ctx, raster, z, x, y)
    if entry is None:
        entry = await _in_thread(_tile_png, ctx, raster, z, x, y)
    png, etag = entry
    headers = {"Cache-Control": TILE_CACHE_CONTROL, "ETag": etag}
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(png, media_type="image/png", headers=headers)
