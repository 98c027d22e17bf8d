"""``GET /api/stations``: the automatic stations as GeoJSON with status and latest values."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service.web.deps import ContextDep
from service.web.routes.ogc import snapshot_async

router = APIRouter(prefix="/api", tags=["stations"])


@router.get(
    "/stations",
    summary="Stations (GeoJSON) with data status, latest values, AQI and compliance",
    response_class=Response,
    responses={200: {"content": {"application/geo+json": {}}}},
)
async def list_stations(ctx: ContextDep) -> Response:
    """A GeoJSON FeatureCollection of every automatic station.

    Served from the same in-memory snapshot as ``/ogc/collections/stations/items``; it is
    rebuilt when station data, compliance state or the minute changes (see layers/snapshot.py).
    """
    snap = await snapshot_async(ctx, "stations")
    body = snap.responses.get("api")
    if body is None:  # encoded once per snapshot
        body = b'{"type":"FeatureCollection","features":[' + b",".join(snap.encoded) + b"]}"
        snap.responses["api"] = body
    return Response(body, media_type="application/geo+json")
