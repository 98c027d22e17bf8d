"""Per-client-address request limit for ``/public`` (fixed one-minute windows, in memory).

Memory is bounded: the table is emptied at each new window, so it holds at most the addresses
seen in one minute. Behind the reverse proxy the proxy's own ``limit_req`` applies first
(deploy/nginx/public.conf); this limit protects Python when it is reached directly.
"""

from __future__ import annotations

import threading
import time


class PublicRateLimiter:
    """``allow(client)`` → None when allowed, else the seconds to wait."""

    def __init__(self, per_minute: int, clock: object = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> int | None:
        """Count one request; the wait in seconds when the client is over its limit."""
        now = self._clock()  # type: ignore[operator]
        window = int(now // 60)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(client, 0) + 1
            self._counts[client] = count
        if count > self.per_minute:
            return max(1, int(60 - now % 60))
        return None
