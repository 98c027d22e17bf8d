"""The service's layer snapshot cache, shared by the routes and the ingest hook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layers.snapshot import SnapshotCache

if TYPE_CHECKING:
    from service.runtime import Runtime


def get_snapshots(ctx: Runtime) -> SnapshotCache:
    """The runtime's snapshot cache (built with the runtime)."""
    return ctx.snapshots
