"""Process-local generation counters bumped by every write this process makes to layer data.

Two counters, because their costs differ: :func:`bump` marks a change to what the layers are made
of (zones, communes, the site registry) and invalidates everything, the zone index included;
:func:`bump_data` marks new readings, episodes or AQI and concerns only the live collections
(the stations layer). Layer snapshots combine them with a database fingerprint
(:func:`layers.zones_store.layers_revision`) so a write here is seen at once, and a write by
another process at the next version check.
"""

from __future__ import annotations

import itertools
import threading

_lock = threading.Lock()
_counter = itertools.count(1)
_current = 0
_data = 0


def bump() -> int:
    """Record a change of layer structure (zones, communes, sites); returns the new generation."""
    global _current
    with _lock:
        _current = next(_counter)
        return _current


def bump_data() -> int:
    """Record new station data (readings, episodes, AQI); returns the new data generation."""
    global _data
    with _lock:
        _data = next(_counter)
        return _data


def current() -> int:
    """The current structural generation."""
    return _current


def data_current() -> int:
    """The current data generation."""
    return _data
