"""Finished answers kept per process while the data they were made of has not changed.

Several officers opening the same station's chart, or a wall screen refreshing it, asked the
same question many times a minute; each answer took 15–20 ms of Python to build (bench/README.md,
"Readings over long windows"). An entry is keyed by the request and by a data version read in
the same request (:func:`stations.store.data_version.readings_version`), so a new file makes
every older entry unreachable at once; old entries leave by age of use. Memory is bounded by
the bytes kept, not the number of entries.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

MAX_BYTES = 64 * 1024 * 1024
"""Per process: a year of day means is ~0.1 MB gzipped, a page of raw readings ~0.5 MB."""
MAX_ENTRY_BYTES = 4 * 1024 * 1024
"""Larger answers are rebuilt each time rather than crowd out many small ones."""


class AnswerCache:
    """A thread-safe LRU of ``key -> (body bytes, headers)`` bounded by total body bytes."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entry: int = MAX_ENTRY_BYTES) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._entries: OrderedDict[Hashable, tuple[bytes, dict[str, str]]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[bytes, dict[str, str]] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, body: bytes, headers: dict[str, str]) -> None:
        if len(body) > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, dict(headers))
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._entries:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
