"""Login rate limiting: too many failures for one name or from one address -> wait.

Kept in memory, per process: with several replicas behind a load balancer the limit applies
per replica (still bounding guessing to a few attempts per minute per replica). Names are keyed
by the same normalisation login uses (``" victim\\t"`` is ``victim``). The limiter forgets:
entries older than the window expire, each key keeps at most as many times as its limit, and
at most ``max_keys`` keys are held (the oldest go first), so memory stays bounded whatever
names an attacker invents.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from service.auth.accounts import username_key


@dataclass
class LoginRateLimiter:
    """Sliding-window counter of failed logins per username and per client address."""

    window: int = 900  # seconds
    max_per_user: int = 5
    max_per_client: int = 20
    max_keys: int = 20_000  # ~ a few MB at most
    _failures: dict[str, deque[int]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def keys_held(self) -> int:
        """How many names and addresses are remembered now (bounded by ``max_keys``)."""
        return len(self._failures)

    def _keys(self, username: str, client: str) -> tuple[tuple[str, int], ...]:
        return (
            (f"u:{username_key(username)}", self.max_per_user),
            (f"c:{client}", self.max_per_client),
        )

    def _recent(self, key: str, now: int) -> deque[int]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def _make_room(self, now: int) -> None:
        for key in list(self._failures):
            self._recent(key, now)  # drops the expired keys
        while len(self._failures) >= self.max_keys * 9 // 10:  # amortised: not on every call
            del self._failures[next(iter(self._failures))]  # oldest key first

    def retry_after(self, username: str, client: str, now: int) -> int | None:
        """Seconds to wait before trying again, or None when a login may be attempted."""
        with self._lock:
            waits = []
            for key, limit in self._keys(username, client):
                times = self._recent(key, now)
                if len(times) >= limit:
                    waits.append(times[0] + self.window - now)
            return max(waits) if waits else None

    def failed(self, username: str, client: str, now: int) -> None:
        """Count one failed attempt."""
        with self._lock:
            for key, limit in self._keys(username, client):
                times = self._failures.get(key)
                if times is None:
                    if len(self._failures) >= self.max_keys:
                        self._make_room(now)
                    times = self._failures[key] = deque(maxlen=limit)
                times.append(now)

    def succeeded(self, username: str) -> None:
        """Forget the user's failures after a successful login (the address keeps its count)."""
        with self._lock:
            self._failures.pop(f"u:{username_key(username)}", None)
