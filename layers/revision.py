"""A process-local generation counter bumped by every write this process makes to layer tables.

Layer snapshots combine it with a database fingerprint (:func:`layers.zones_store.layers_revision`)
so a write here is seen at once, and a write by another process at the next version check.
"""

from __future__ import annotations

import itertools
import threading

_lock = threading.Lock()
_counter = itertools.count(1)
_current = 0


def bump() -> int:
    """Record a write; returns the new generation."""
    global _current
    with _lock:
        _current = next(_counter)
        return _current


def current() -> int:
    """The current generation."""
    return _current
