"""Wake-ups for the SSE streams.

Streams read alert history from the database (so they also see alerts changed by another
process, and resume from ``Last-Event-ID``); the broker only tells them, from any thread, that
something changed, so the map updates at once instead of at the next poll.
"""

from __future__ import annotations

import asyncio
import threading


class AlertBroker:
    """Thread-safe fan-out of "alerts changed" to asyncio subscribers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    def subscribe(self) -> asyncio.Event:
        """An event set at each change; call from the stream's event loop."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.add((asyncio.get_running_loop(), event))
        return event

    def unsubscribe(self, event: asyncio.Event) -> None:
        """Forget a subscriber."""
        with self._lock:
            self._waiters = {w for w in self._waiters if w[1] is not event}

    def notify(self) -> None:
        """Wake every subscriber (callable from scheduler threads)."""
        with self._lock:
            waiters = list(self._waiters)
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)

    @property
    def subscribers(self) -> int:
        """How many streams are listening."""
        return len(self._waiters)
