"""OGC API - Features (Part 1 Core, GeoJSON) under ``/ogc``; thin over :mod:`layers.ogc`."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from layers import ogc
from layers.errors import UnknownCollection
from layers.ogc_crs import parse_ogc_crs
from layers.query import parse_query
from layers.registry import COLLECTIONS
from layers.snapshot import Snapshot
from service.context import AppContext
from service.layer_cache import get_snapshots
from service.web.deps import ContextDep

router = APIRouter(prefix="/ogc", tags=["OGC API - Features"])
MAX_CACHED_PAGES = 512  # per snapshot
_ITEMS_SECOND = ("items-second",)  # the second the cached pages belong to


def snapshot(ctx: AppContext, collection_id: str) -> Snapshot:
    """The current snapshot of one collection; 404 with a message for an unknown id."""
    try:
        return get_snapshots(ctx).get(collection_id)
    except UnknownCollection as exc:
        raise HTTPException(404, str(exc)) from exc


async def snapshot_async(ctx: AppContext, collection_id: str) -> Snapshot:
    """:func:`snapshot` for async routes: answered on the event loop when the snapshot is
    current (no thread hop: with 50 clients, 40 threads fighting over one interpreter lock cost
    more than the work), in a worker thread when it must be built first."""
    try:
        snap = get_snapshots(ctx).get_nowait(collection_id)
    except UnknownCollection as exc:
        raise HTTPException(404, str(exc)) from exc
    return snap if snap is not None else await run_in_threadpool(snapshot, ctx, collection_id)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


def _json(body: dict[str, Any], media_type: str = ogc.JSON) -> JSONResponse:
    return JSONResponse(body, media_type=media_type)


def _params(request: Request) -> dict[str, str]:
    params = dict(request.query_params)
    fmt = params.get("f")
    if fmt and fmt not in ("json", "geojson", "application/json", "application/geo+json"):
        from layers.errors import BadQuery

        raise BadQuery(f"f='{fmt}': chỉ hỗ trợ json / only f=json is supported")
    return params


@router.get("", summary="Landing page")
def landing(request: Request) -> JSONResponse:
    """Links to the API definition, conformance and collections."""
    _params(request)
    return _json(ogc.landing(_base(request)))


@router.get("/conformance", summary="Conformance classes")
def conformance(request: Request) -> JSONResponse:
    """Core, GeoJSON and OpenAPI 3.0."""
    _params(request)
    return _json(ogc.conformance())


@router.get("/collections", summary="Collections with extents")
def collections(request: Request, ctx: ContextDep) -> JSONResponse:
    """Every layer with its spatial (CRS84) and temporal extent."""
    _params(request)
    cache = get_snapshots(ctx)
    return _json(ogc.collections_doc(_base(request), [cache.get(c) for c in COLLECTIONS]))


@router.get("/collections/{collection_id}", summary="One collection")
def collection(collection_id: str, request: Request, ctx: ContextDep) -> JSONResponse:
    """Metadata of one layer."""
    _params(request)
    return _json(ogc.collection_doc(_base(request), snapshot(ctx, collection_id)))


@router.get("/collections/{collection_id}/queryables", summary="Queryable properties")
def queryables(collection_id: str, request: Request) -> JSONResponse:
    """JSON Schema of the properties usable as equality filters on items."""
    c = COLLECTIONS.get(collection_id)
    if c is None:
        raise HTTPException(404, str(UnknownCollection(collection_id)))
    return _json(ogc.queryables_doc(_base(request), c), "application/schema+json")


@router.get(
    "/collections/{collection_id}/items",
    summary="Features (GeoJSON): bbox, datetime, limit, offset, property=value filters",
    response_class=Response,
)
async def items(collection_id: str, request: Request, ctx: ContextDep) -> Response:
    """A page of features with ``numberMatched``/``numberReturned`` and next/prev links."""
    snap = await snapshot_async(ctx, collection_id)
    # Whole pages are cached on the snapshot per (what the base URL is made of, raw query
    # string) for the second of their ``timeStamp``; a new snapshot starts with an empty cache.
    # The key is read from the ASGI scope as is: building URL objects cost a fifth of a hit.
    scope = request.scope
    server = scope.get("server")
    key = ("items", scope["scheme"], request.headers.get("host"), server and tuple(server),
           scope.get("root_path"), scope["query_string"])  # fmt: skip
    stamp = int(time.time())
    hit = snap.responses.get(key)
    if hit is not None and hit[0] == stamp:
        return Response(hit[1], media_type=ogc.GEOJSON, headers=ogc.content_crs(hit[2]))
    base = _base(request)
    params = _params(request)
    query = parse_query(snap.collection, params)
    body = ogc.items_body(base, snap, query, params)
    # A page only answers within its second: pages of earlier seconds go when a new second's
    # page is stored (a walk through a 100k-point layer kept 100 dead pages, ~50 MB).
    if snap.responses.get(_ITEMS_SECOND) != stamp or len(snap.responses) >= MAX_CACHED_PAGES:
        for old in [k for k in snap.responses if k[0] == "items"]:
            del snap.responses[old]
        snap.responses[_ITEMS_SECOND] = stamp
    snap.responses[key] = (stamp, body, query.crs)
    return Response(body, media_type=ogc.GEOJSON, headers=ogc.content_crs(query.crs))


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="One feature (GeoJSON)",
    response_class=Response,
)
async def item(collection_id: str, feature_id: str, request: Request, ctx: ContextDep) -> Response:
    """One feature by id; 404 with a message if it does not exist."""
    crs = parse_ogc_crs(_params(request).get("crs"))
    snap = await snapshot_async(ctx, collection_id)
    body = ogc.item_body(_base(request), snap, feature_id, crs)
    if body is None:
        missing = UnknownCollection(
            feature_id, f"đối tượng trong '{collection_id}'", f"feature in '{collection_id}'"
        )
        raise HTTPException(404, str(missing))
    return Response(body, media_type=ogc.GEOJSON, headers=ogc.content_crs(crs))
