"""Which stations the after-ingest compliance step evaluates (``due_for_evaluation``): it takes
the sites from the registry cache, so an edit of the registry between two polled batches must
show at once (both backends)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, update

from service.bootstrap import import_stations
from stations.compliance.engine import due_for_evaluation
from stations.store.schema import sites

ROOT = Path(__file__).resolve().parents[2]
AIR = "LS_SONNMT_KK01"  # a demo air station reporting every 5 minutes
HOUR0 = 1_795_140_000 - 1_795_140_000 % 3600


def test_due_stations_follow_the_registry(engine: Engine) -> None:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    inside_an_hour = {AIR: (HOUR0, HOUR0 + 600)}
    completing = {AIR: (HOUR0, HOUR0 + 3300), "NOT_REGISTERED": (HOUR0, HOUR0 + 7200)}
    with engine.connect() as conn:
        assert due_for_evaluation(conn, inside_an_hour) == []  # no period ends yet
        ((site, start, end),) = due_for_evaluation(conn, completing)
        assert (site.id, start, end) == (AIR, HOUR0, HOUR0 + 3300 + 300)
    with engine.begin() as conn:  # the officer sets a 10-minute interval
        conn.execute(
            update(sites)
            .where(sites.c.id == AIR)
            .values(config={"polling": {"interval_minutes": 10}}, updated_at=sites.c.updated_at + 1)
        )
    with engine.connect() as conn:
        ((site, _, end),) = due_for_evaluation(conn, completing)
        assert end == HOUR0 + 3300 + 600  # the data end counts one 10-minute interval now
        assert due_for_evaluation(conn, inside_an_hour) == []
    with engine.begin() as conn:  # no longer an automatic station
        conn.execute(
            update(sites)
            .where(sites.c.id == AIR)
            .values(site_type="manual", updated_at=sites.c.updated_at + 1)
        )
    with engine.connect() as conn:
        assert due_for_evaluation(conn, completing) == []
