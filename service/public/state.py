"""What the public portal keeps per process (a typed field of :class:`service.runtime.Runtime`):
the document cache, the per-address limit and the basemap tile proxy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from service.public.basemap import TileBox, TileProxy
from service.public.cache import PublicCache
from service.public.ratelimit import PublicRateLimiter

if TYPE_CHECKING:
    from service.runtime import Runtime


@dataclass
class PublicState:
    """Built once with the runtime."""

    cache: PublicCache
    limiter: PublicRateLimiter
    tiles: TileProxy | None  # None: no basemap configured

    @classmethod
    def build(cls, rt: Runtime) -> PublicState:
        """From the runtime's settings."""
        s = rt.settings
        tiles = None
        if s.basemap_url:
            tiles = TileProxy(
                s.basemap_url,
                s.data_dir / "basemap-cache",
                TileBox(*s.basemap_bounds, s.basemap_min_zoom, s.basemap_max_zoom),
                user_agent=s.basemap_user_agent,
                max_age_s=s.basemap_cache_days * 86400,
            )
        return cls(PublicCache(rt), PublicRateLimiter(s.public_requests_per_minute), tiles)
