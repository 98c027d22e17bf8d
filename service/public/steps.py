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
# ... and never more than a tenth of the time: on a loaded server a rebuild of 2,000 stations
# took 3 s, and one every 10 s held ingestion back (issue 20's load benchmark).
MAX_SHARE = 0.1


def refresh_public(rt: Runtime, min_interval: float = 0.0) -> None:
    """Bring the live snapshots up to date, then the document and its files (written only
    when the content changed); skipped when the last refresh is younger than ``min_interval``
    (a non-zero interval also grows to keep refreshes under ``MAX_SHARE`` of the time)."""
    cache = rt.public.cache
    now = time.monotonic()
    wait = max(min_interval, cache.refresh_cost_s / MAX_SHARE) if min_interval else 0.0
    if now - cache.refreshed_at < wait:
        return
    cache.refreshed_at = now
    rt.snapshots.refresh_live()
    cache.document()
    cache.refresh_cost_s = time.monotonic() - now


def notify_public_subscribers(rt: Runtime) -> int:
    """Queue messages for the AQI alert events not looked at yet."""
    s = rt.settings
    max_age = s.public_aqi_max_age_minutes * 60
    return notify_subscribers(rt.engine, rt.secret_key, s.base_url, now_epoch(), max_age)
