"""The portal's steps of the after-ingest chain (service/worker/after_ingest.py) and its jobs."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from service.public.subscriptions import notify_subscribers
from stations.timeutil import now_epoch

if TYPE_CHECKING:
    from service.runtime import Runtime


# After an ingest batch the files are rewritten at most this often: with thousands of stations
# batches arrive several times a second, and a stations-layer rebuild per batch would cost more
# than the ingest itself. The per-minute job and the page's own requests cover the gap.
AFTER_INGEST_EVERY_S = 10.0


def refresh_public(rt: Runtime, min_interval: float = 0.0) -> None:
    """Bring the live snapshots up to date, then the document and its files (written only
    when the content changed); skipped when the last refresh is younger than ``min_interval``."""
    cache = rt.public.cache
    now = time.monotonic()
    if now - cache.refreshed_at < min_interval:
        return
    cache.refreshed_at = now
    rt.snapshots.refresh_live()
    cache.document()


def notify_public_subscribers(rt: Runtime) -> int:
    """Queue messages for the AQI alert events not looked at yet."""
    s = rt.settings
    max_age = s.public_aqi_max_age_minutes * 60
    return notify_subscribers(rt.engine, rt.secret_key, s.base_url, now_epoch(), max_age)
