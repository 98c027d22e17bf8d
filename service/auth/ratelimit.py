"""Login rate limiting: too many failures for one name or from one address -> wait.

Kept in memory, per process: with several replicas behind a load balancer the limit applies
per replica (still bounding guessing to a few attempts per minute per replica). Entries older
than the window are forgotten, so memory stays bounded by the attackers' request rate.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class LoginRateLimiter:
    """Sliding-window counter of failed logins per username and per client address."""

    window: int = 900  # seconds
    max_per_user: int = 5
    max_per_client: int = 20
    _failures: dict[str, deque[int]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _recent(self, key: str, now: int) -> deque[int]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, username: str, client: str, now: int) -> int | None:
        """Seconds to wait before trying again, or None when a login may be attempted."""
        with self._lock:
            waits = []
            for key, limit in (
                (f"u:{username.lower()}", self.max_per_user),
                (f"c:{client}", self.max_per_client),
            ):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[0] + self.window - now)
            return max(waits) if waits else None

    def failed(self, username: str, client: str, now: int) -> None:
        """Count one failed attempt."""
        with self._lock:
            for key in (f"u:{username.lower()}", f"c:{client}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        """Forget the user's failures after a successful login (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"u:{username.lower()}", None)
