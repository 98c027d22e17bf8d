"""Layer snapshots: who waits for a rebuild and who does not.

A structural write (zones, communes, sites: ``revision.bump``) is seen by the next request. New
station data (``revision.bump_data``, every ingest batch) never makes a request wait: it is
picked up by the periodic background check (at most one rebuild per period however fast the
batches come), and ``refresh_live`` brings the live layer up to date before the alert engine
announces new data.
"""

from __future__ import annotations

import dataclasses
import threading
import time

import pytest
from sqlalchemy import Engine

from layers import revision
from layers.registry import COLLECTIONS, BuildContext
from layers.snapshot import SnapshotCache
from service.bootstrap import import_stations
from tests.fixtures.alerts.builders import wait_for
from tests.layers.conftest import DEMO, NOW


@pytest.fixture
def gated(engine: Engine, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A snapshot cache whose stations builds wait for ``gate`` once it is cleared."""
    import_stations(engine, DEMO / "stations.yaml")
    gate = threading.Event()
    gate.set()
    builds: list[float] = []
    stations = COLLECTIONS["stations"]

    def build(conn, ctx, zones):  # type: ignore[no-untyped-def]
        gate.wait(10)
        builds.append(time.monotonic())
        return stations.build(conn, ctx, zones)

    monkeypatch.setitem(COLLECTIONS, "stations", dataclasses.replace(stations, build=build))
    cache = SnapshotCache(engine, lambda: BuildContext(NOW), check_every=3600)
    return cache, gate, builds


def test_new_data_never_blocks_a_request(gated) -> None:  # type: ignore[no-untyped-def]
    cache, gate, builds = gated
    first = cache.get("stations")
    assert len(first.features) == 13 and len(builds) == 1
    gate.clear()  # the next build hangs until released
    for _ in range(3):
        revision.bump_data()  # three ingest batches
    assert cache.get("stations") is first  # not due for a check yet: nothing rebuilt
    cache.check_every = 0.2
    time.sleep(0.3)
    started = time.monotonic()
    assert cache.get("stations") is first  # served at once, refresh started behind it
    assert cache.get("stations") is first
    assert time.monotonic() - started < 1
    gate.set()
    wait_for(lambda: cache.get("stations") is not first)
    assert len(builds) == 2  # one background refresh for three batches and many requests


def test_refresh_live_rebuilds_before_returning(gated) -> None:  # type: ignore[no-untyped-def]
    cache, _gate, builds = gated
    first = cache.get("stations")
    cache.get("monitoring-points")
    revision.bump_data()
    cache.refresh_live()
    assert len(builds) == 2
    second = cache.get("stations")
    assert second is not first
    assert cache.get("stations") is second  # nothing left to refresh
    assert len(builds) == 2


def test_structural_change_is_seen_by_the_next_request(gated) -> None:  # type: ignore[no-untyped-def]
    cache, _gate, builds = gated
    first = cache.get("stations")
    points = cache.get("monitoring-points")
    revision.bump_data()  # does not concern the points layer
    assert cache.get("monitoring-points") is points
    revision.bump()
    assert cache.get("stations") is not first  # rebuilt before answering
    assert cache.get("monitoring-points") is not points
    assert len(builds) == 2
