"""Finished answers kept per process while the data they were made of has not changed.

Several officers opening the same station's chart, or a wall screen refreshing it, asked the
same question many times a minute; each answer took 15–20 ms of Python to build (bench/README.md,
"Readings over long windows"). An entry is keyed by the request and by a data version read in
the same request (:func:`stations.store.data_version.readings_version`), so a new file makes
every older entry unreachable at once; old entries leave by age of use. Memory is bounded by
the bytes kept, not the number of entries (:class:`layers.byte_lru.ByteLRU`, shared with the
tile cache).
"""

from __future__ import annotations

from collections.abc import Hashable

from layers.byte_lru import ByteLRU

MAX_BYTES = 64 * 1024 * 1024
"""Per process: a year of day means is ~0.1 MB gzipped, a page of raw readings ~0.5 MB."""
MAX_ENTRY_BYTES = 4 * 1024 * 1024
"""Larger answers are rebuilt each time rather than crowd out many small ones."""


class AnswerCache(ByteLRU[dict[str, str]]):
    """``key -> (body bytes, headers)``; the headers are copied so a caller may change its own."""

    def __init__(self, max_bytes: int = MAX_BYTES, max_entry: int = MAX_ENTRY_BYTES) -> None:
        super().__init__(max_bytes, max_entry)

    def put(self, key: Hashable, body: bytes, meta: dict[str, str]) -> None:
        super().put(key, body, dict(meta))
