"""``/public/basemap/{z}/{x}/{y}.png``: basemap tiles through our caching proxy, for the public
portal and the staff map alike (no browser asks a third party)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.concurrency import run_in_threadpool

from service.context import AppContext
from service.deps import ContextDep
from service.public.answers import rate_limited
from service.public.basemap import TileBox, TileProxy, TileUnavailable

EXTRA_KEY = "public.basemap"
router = APIRouter(prefix="/public/basemap", tags=["public portal"])


def tile_proxy(ctx: AppContext) -> TileProxy | None:
    """The app's proxy, or None when no upstream is configured."""
    s = ctx.settings
    if not s.basemap_url:
        return None
    proxy = ctx.extras.get(EXTRA_KEY)
    if proxy is None:
        proxy = ctx.extras.setdefault(
            EXTRA_KEY,
            TileProxy(
                s.basemap_url,
                s.data_dir / "basemap-cache",
                TileBox(*s.basemap_bounds, s.basemap_min_zoom, s.basemap_max_zoom),
                user_agent=s.basemap_user_agent,
                max_age_s=s.basemap_cache_days * 86400,
            ),
        )
    return proxy  # type: ignore[no-any-return]


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
    proxy = tile_proxy(ctx)
    if proxy is None:
        raise HTTPException(404, "không cấu hình bản đồ nền / no basemap configured")
    if not proxy.box.covers(z, x, y):
        raise HTTPException(404, "ngoài vùng phục vụ / tile outside the served area or zooms")
    try:
        body, media = await run_in_threadpool(proxy.tile, z, x, y)
    except TileUnavailable as exc:
        raise HTTPException(404, f"chưa có ô bản đồ / tile unavailable: {exc}") from exc
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=86400"})
