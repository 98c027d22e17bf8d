"""``/public/basemap/{z}/{x}/{y}.png``: basemap tiles through our caching proxy, for the public
portal and the staff map alike (no browser asks a third party)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.concurrency import run_in_threadpool

from service.public.answers import rate_limited
from service.public.basemap import TileUnavailable
from service.web.deps import ContextDep

router = APIRouter(prefix="/public/basemap", tags=["public portal"])


@router.get(
    "/{z}/{x}/{y}.png",
    summary="Basemap tile (cached proxy of the configured XYZ source)",
    dependencies=[Depends(rate_limited)],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
async def tile(z: int, x: int, y: int, ctx: ContextDep) -> Response:
    """A tile inside the province at the configured zooms; 404 outside, or when the upstream
    is unreachable and the tile was never cached (the map keeps its outlines)."""
    proxy = ctx.public.tiles
    if proxy is None:
        raise HTTPException(404, "không cấu hình bản đồ nền / no basemap configured")
    if not proxy.box.covers(z, x, y):
        raise HTTPException(404, "ngoài vùng phục vụ / tile outside the served area or zooms")
    try:
        body, media = await run_in_threadpool(proxy.tile, z, x, y)
    except TileUnavailable as exc:
        raise HTTPException(404, f"chưa có ô bản đồ / tile unavailable: {exc}") from exc
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
