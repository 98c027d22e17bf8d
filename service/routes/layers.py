"""Layer catalogue, zones at a point, exports and raster tiles; thin over :mod:`layers`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

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
from service.deps import ConnDep, ContextDep
from service.routes.ogc import get_snapshots, snapshot

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


def _tile_cache(ctx: Any) -> TileCache:
    cache = ctx.extras.get("layers.tiles")
    if cache is None:
        cache = ctx.extras["layers.tiles"] = TileCache()
    return cache  # type: ignore[no-any-return]


@router.get(
    "/tiles/{raster}/{z}/{x}/{y}.png",
    summary="Hazard raster as XYZ PNG tiles (Web Mercator), class colours",
    response_class=Response,
)
def tile(raster: str, z: int, x: int, y: int, ctx: ContextDep, conn: ConnDep) -> Response:
    """One tile; transparent outside the raster; 404 for an unknown raster."""
    row = conn.execute(
        select(zone_sources.c.raster_path, zone_sources.c.imported_at).where(
            zone_sources.c.id == raster
        )
    ).first()
    if row is None or not row.raster_path:
        raise HTTPException(404, str(UnknownCollection(raster, "raster", "raster")))
    path = ctx.settings.data_dir / row.raster_path
    if not path.exists():
        raise HTTPException(404, f"Tệp raster bị thiếu / raster file missing: {row.raster_path}")
    png = _tile_cache(ctx).get((raster, row.imported_at, z, x, y), path, z, x, y)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=300"})
