"""Issue 16 probe finding F5: two administrator edits within one second are both seen by the
registry cache and the layer fingerprints (a revision counter, not ``max(updated_at)``)."""

from __future__ import annotations

from sqlalchemy import Engine

from layers.registry import COLLECTIONS, BuildContext
from service.auth.admin_edits import update_permit, update_site
from stations.store import revisions
from stations.store.sites import cached_stations
from tests.fixtures.alerts.builders import make_station

T = 1_800_000_000  # both edits carry the same second


def _name(engine: Engine, station_id: str) -> str:
    with engine.connect() as conn:
        return next(s.name for s in cached_stations(conn) if s.id == station_id)


def test_f5_two_renames_in_one_second_reach_the_registry_cache(engine: Engine) -> None:
    sid = make_station(engine)
    for name in ("Tên một", "Tên hai"):
        with engine.begin() as conn:
            update_site(conn, sid, {"name": name}, actor="admin", reason="probe F5", now=T)
        assert _name(engine, sid) == name


def test_f5_two_permit_edits_in_one_second_change_the_fingerprints(engine: Engine) -> None:
    sid = make_station(engine)
    stations = COLLECTIONS["stations"]
    ctx = BuildContext(now=T)
    seen = []
    for column_class in ("A", "B"):
        with engine.begin() as conn:
            update_permit(
                conn, sid, {"column_class": column_class}, actor="admin", reason="F5", now=T
            )
        with engine.connect() as conn:
            seen.append((stations.fingerprint(conn, ctx), revisions.current(conn, "permits")))
    assert seen[0][0] != seen[1][0]
    assert seen[1][1][0] == seen[0][1][0] + 1


def test_f5_counters_are_bumped_in_the_same_transaction(engine: Engine) -> None:
    sid = make_station(engine)
    with engine.connect() as conn:
        before = revisions.current(conn, revisions.REGISTRY)
    try:
        with engine.begin() as conn:
            update_site(conn, sid, {"name": "x"}, actor="admin", reason="rolled back", now=T)
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert revisions.current(conn, revisions.REGISTRY) == before  # rolled back together
