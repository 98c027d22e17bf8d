"""In-memory snapshots of each collection: features, bounds, times and pre-encoded JSON.

Counting, bbox and property filters run on the snapshot, never on the tables, so a request
costs no table scan. A snapshot is rebuilt when its fingerprint changes: this process's write
generation, the zone/commune fingerprint and the collection's own cheap fingerprint (counts and
max timestamps of small tables). Fingerprints are checked at most every ``check_every`` seconds.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine

from layers import revision
from layers.encoded_features import (
    DecodedFeatures,
    EncodedBytes,
    FeatureBuffer,
    encode_feature,
)
from layers.errors import UnknownCollection
from layers.query import FeatureQuery
from layers.registry import COLLECTIONS, BuildContext, Collection
from layers.zone_index import zone_index
from layers.zones_store import layers_revision

log = logging.getLogger(__name__)


def _epoch(value: Any) -> float:
    if not value:
        return math.nan
    from datetime import datetime

    return datetime.fromisoformat(str(value)).timestamp()


@dataclass(slots=True)
class Snapshot:
    """One collection at one moment: its features as encoded bytes in one buffer
    (:mod:`layers.encoded_features`), with the bounds, times and ids the queries need."""

    collection: Collection
    key: tuple[Any, ...]
    encoded: EncodedBytes
    bounds: np.ndarray
    times: np.ndarray
    index: dict[str, int]
    responses: dict[Any, Any] = field(default_factory=dict)
    # Per queryable property: value -> indices of the features holding it, built on first use,
    # so an equality filter costs one lookup instead of a pass over every feature's dict.
    groups: dict[str, dict[Any, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def build(cls, collection: Collection, key: tuple[Any, ...], fc: dict[str, Any]) -> Snapshot:
        """Index a FeatureCollection; its ``features`` may be any iterable (a generator keeps
        one feature's dict alive at a time)."""
        prop = collection.temporal
        buffer = FeatureBuffer()
        boxes: list[tuple[float, float, float, float]] = []
        times: list[float] = []
        index: dict[str, int] = {}
        for i, f in enumerate(fc["features"]):
            buffer.append(encode_feature(f))
            boxes.append(_box(f["geometry"]))
            times.append(_epoch(f["properties"].get(prop)) if prop else math.nan)
            index[str(f["id"])] = i
        bounds = np.array(boxes, dtype="float64").reshape(-1, 4)
        return cls(collection, key, buffer.freeze(), bounds, np.array(times, "float64"), index)

    @property
    def features(self) -> DecodedFeatures:
        """The features as GeoJSON dicts, decoded on access (the bytes are what is kept)."""
        return DecodedFeatures(self.encoded)

    @property
    def extent(self) -> list[float] | None:
        """[minlon, minlat, maxlon, maxlat] of all features, or None when empty."""
        if not len(self.bounds):
            return None
        b = self.bounds
        return [
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        ]

    @property
    def time_extent(self) -> list[float] | None:
        """[first, last] epoch seconds of the temporal property, or None."""
        t = self.times[~np.isnan(self.times)]
        return [float(t.min()), float(t.max())] if len(t) else None

    def select(self, query: FeatureQuery) -> np.ndarray:
        """Indices of the features matching the query's filters (before paging)."""
        keep = np.ones(len(self.encoded), dtype=bool)
        if query.bbox is not None and len(keep):
            minx, miny, maxx, maxy = query.bbox
            b = self.bounds
            keep &= (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
        if query.interval is not None:
            lo, hi = query.interval
            keep &= (self.times >= lo) & (self.times <= hi)
        if query.where is not None:
            keep &= np.fromiter(
                (query.where(f) for f in self.features), dtype=bool, count=len(self.encoded)
            )
        for name, target in query.equals.items():
            match = np.zeros(len(keep), dtype=bool)
            match[self._group(name).get(target, _NONE)] = True
            keep &= match
        return np.flatnonzero(keep)

    def _group(self, name: str) -> dict[Any, np.ndarray]:
        """``value -> feature indices`` of one scalar property (dict lookup keeps ``==``)."""
        groups = self.groups.get(name)
        if groups is None:
            lists: dict[Any, list[int]] = {}
            for i, f in enumerate(self.features):
                lists.setdefault(f["properties"].get(name), []).append(i)
            groups = {v: np.array(ix, dtype=np.intp) for v, ix in lists.items()}
            self.groups[name] = groups  # a racing thread builds the same; either one is kept
        return groups


class SnapshotCache:
    """Snapshots per collection for one database; thread-safe."""

    def __init__(
        self,
        engine: Engine,
        context: Callable[[], BuildContext],
        *,
        check_every: float = 1.0,
    ) -> None:
        self.engine = engine
        self.context = context
        self.check_every = check_every
        self._lock = threading.Lock()
        self._snaps: dict[str, Snapshot] = {}
        self._checked: dict[str, tuple[float, tuple[int, int]]] = {}
        self._refreshing: dict[str, threading.Lock] = {}

    def get(self, collection_id: str) -> Snapshot:
        """The current snapshot of a collection (404 error for an unknown id).

        A structural write made by this process (:func:`layers.revision.bump`: zones, communes,
        sites) is refreshed before answering, so it is seen at once. Everything else is checked
        at most every ``check_every`` seconds in a background thread while requests keep the
        current snapshot: new station data (:func:`layers.revision.bump_data`, every ingest
        batch), changes made by other processes and the passing minute. No request waits for a
        rebuild (that kept p99 high), and a flood of ingest batches costs at most one rebuild per
        period. Code that announces new data (the alert stream) calls :meth:`refresh_live`
        first, so a client that reacts to the announcement sees the data.
        """
        snap = self.get_nowait(collection_id)
        if snap is None:  # waiting, _refresh returns the snapshot or raises
            snap = self._refresh(COLLECTIONS[collection_id], wait=True)
        return snap  # type: ignore[return-value]

    def get_nowait(self, collection_id: str) -> Snapshot | None:
        """:meth:`get` without waiting: the current snapshot, or None when it must be (re)built
        first (none yet, or a structural write). Never touches the database, so an event loop
        may call it; a due background check is started as in :meth:`get`."""
        collection = COLLECTIONS.get(collection_id)
        if collection is None:
            raise UnknownCollection(collection_id)
        snap = self._snaps.get(collection_id)
        checked_at, generation = self._checked.get(collection_id, (-math.inf, (-1, -1)))
        current = _generation(collection)
        if snap is None or generation[0] != current[0]:
            return None
        if time.monotonic() - checked_at >= self.check_every:
            self._refresh_in_background(collection, current)
        return snap

    def refresh_live(self) -> None:
        """Bring every live collection up to date now (before the alert engine announces new
        data to open maps)."""
        for collection in COLLECTIONS.values():
            if collection.live and collection.id in self._snaps:
                self._refresh(collection, wait=True)

    def _refresh_in_background(self, collection: Collection, generation: tuple[int, int]) -> None:
        # Mark it checked first: one background refresh per period, not one per request.
        with self._lock:
            self._checked[collection.id] = (time.monotonic(), generation)
        threading.Thread(
            target=self._refresh, args=(collection,), kwargs={"wait": False}, daemon=True
        ).start()

    def _refresh(self, collection: Collection, *, wait: bool) -> Snapshot | None:
        """Check the fingerprint and rebuild if it changed; single flight per collection.

        Returns the fresh snapshot, or None when another thread is already refreshing and
        ``wait`` is False (the caller keeps serving the current one).
        """
        collection_id = collection.id
        refresh = self._refreshing.setdefault(collection_id, threading.Lock())
        if not refresh.acquire(blocking=wait):
            return None
        try:
            snap = self._snaps.get(collection_id)
            ctx = self.context()
            generation = _generation(collection)
            with self.engine.connect() as conn:
                key = (generation, layers_revision(conn), collection.fingerprint(conn, ctx))
                if snap is None or snap.key != key:
                    fc = collection.build(conn, ctx, zone_index(conn))
                    snap = Snapshot.build(collection, key, fc)
            with self._lock:
                self._snaps[collection_id] = snap
                self._checked[collection_id] = (time.monotonic(), generation)
        except Exception:  # a background check must not die silently
            log.exception("layer snapshot refresh failed: %s", collection_id)
            if wait:
                raise
            return None
        finally:
            refresh.release()
        return snap


_NONE = np.empty(0, dtype=np.intp)


def _box(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """minx, miny, maxx, maxy of a GeoJSON geometry; a point is read straight from its
    coordinates (a shapely object per point cost most of a 100k-point build)."""
    if geometry["type"] == "Point":
        x, y = geometry["coordinates"][:2]
        return (float(x), float(y), float(x), float(y))
    minx, miny, maxx, maxy = shapely.bounds(shapely.geometry.shape(geometry)).tolist()
    return (minx, miny, maxx, maxy)


def _generation(collection: Collection) -> tuple[int, int]:
    """(structural, data) generation that a collection's snapshot depends on."""
    return (revision.current(), revision.data_current() if collection.live else 0)
