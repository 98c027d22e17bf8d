"""The service's layer snapshot cache, shared by the routes and the ingest hook."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from layers.registry import BuildContext
from layers.snapshot import SnapshotCache
from service.context import AppContext
from stations.timeutil import now_epoch

EXTRA_KEY = "layers.snapshots"


def get_snapshots(ctx: AppContext) -> SnapshotCache:
    """The service's snapshot cache (one per app, in ``ctx.extras``)."""
    cache = ctx.extras.get(EXTRA_KEY)
    if cache is None:
        settings = ctx.settings
        tz = ZoneInfo(settings.display_tz)
        cache = SnapshotCache(
            ctx.engine,
            lambda: BuildContext(now_epoch(), tz, settings.offline_after_intervals),
        )
        ctx.extras[EXTRA_KEY] = cache
    return cache  # type: ignore[no-any-return]
