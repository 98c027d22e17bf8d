"""A thread-safe LRU of finished bytes, bounded by the bytes it keeps.

Rendered tiles and finished API answers are both bytes with a little metadata (an ETag, a few
headers). Bounding by bytes rather than by entries is what keeps a process's memory bounded
whatever the entries' sizes: 4,096 tiles are 4 MB of empty tiles or hundreds of MB of detailed
ones. An entry larger than ``max_entry`` is never kept, so one huge answer cannot crowd out many
small ones.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

M = TypeVar("M")


class ByteLRU(Generic[M]):
    """``key -> (body bytes, metadata)``, least recently used out first, thread-safe.

    A lookup holds the lock for a dict access only, so a hit can be answered on the event loop.
    """

    def __init__(self, max_bytes: int, max_entry: int) -> None:
        self.max_bytes, self.max_entry = max_bytes, max_entry
        self._entries: OrderedDict[Hashable, tuple[bytes, M]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> tuple[bytes, M] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Hashable, body: bytes, meta: M) -> None:
        if len(body) > self.max_entry:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._entries[key] = (body, meta)
            self._bytes += len(body)
            while self._bytes > self.max_bytes and self._entries:
                _, (dropped, _) = self._entries.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
