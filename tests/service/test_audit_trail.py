"""The audit trail API for other areas, append-only enforcement, and the trust migration."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, insert, update
from sqlalchemy.exc import DatabaseError

from service.bootstrap import import_stations
from service.schema import full_metadata
from stations.store.account_tables import audit_log, reading_corrections
from stations.store.audit import audited_update, list_audit, record_audit
from stations.store.corrections import effective_values, record_correction
from stations.store.schema import readings, sites
from tests.service.test_admin_api import DEMO, STATION

TRUST_TABLES = {"users", "user_sessions", "api_tokens", "audit_log", "reading_corrections"}


def test_record_and_list_with_prefix_filters(engine: Engine) -> None:
    with engine.begin() as conn:
        record_audit(
            conn,
            "lan",
            "alert.ack",
            "alert:7",
            {"state": "firing"},
            {"state": "acknowledged"},
            "đã gọi cơ sở",
            at=100,
        )
        record_audit(conn, "system", "alert.escalate", "alert:7", at=200)
        record_audit(conn, "lan", "user.create", "user:minh", None, {"role": "viewer"}, at=300)
    with engine.connect() as conn:
        entries, total = list_audit(conn, action="alert.")
        assert total == 2 and [e.at for e in entries] == [200, 100]
        assert entries[1].before == {"state": "firing"} and entries[1].reason == "đã gọi cơ sở"
        assert list_audit(conn, actor="lan", start=150)[1] == 1
        assert list_audit(conn, target="alert%")[1] == 0  # LIKE wildcards are literal
    with pytest.raises(ValueError), engine.begin() as conn:
        record_audit(conn, "", "x.y", "t")


def test_audit_and_corrections_are_append_only(engine: Engine) -> None:
    import_stations(engine, DEMO / "stations.yaml")
    with engine.begin() as conn:
        record_audit(conn, "lan", "user.create", "user:minh")
        conn.execute(
            insert(readings).values(
                station_id=STATION,
                parameter="Dust",
                observed_at=0,
                value=1.0,
                unit="mg/Nm3",
                status="00",
                qc_flags=0,
            )
        )
        record_correction(
            conn,
            station_id=STATION,
            parameter="Dust",
            observed_at=0,
            value=2.0,
            reason="kiểm định lại",
            actor="lan",
            now=10,
        )
    for statement in (
        update(audit_log).values(actor="someone else"),
        delete(audit_log),
        update(reading_corrections).values(value=3.0),
        delete(reading_corrections),
    ):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(statement)
    with engine.connect() as conn:
        assert effective_values(conn, STATION, "Dust", 0, 1) == [(0, 2.0, True)]


def test_audited_update_records_only_what_changed(engine: Engine) -> None:
    import_stations(engine, DEMO / "stations.yaml")
    with engine.begin() as conn:
        result = audited_update(
            conn,
            sites,
            sites.c.id == STATION,
            {"name": "Ống khói mới", "active": True},
            actor="lan",
            action="site.update",
            target=f"site:{STATION}",
            reason="đổi tên",
        )
        assert result is not None
        _before, after = result
        assert set(after) == {"name"} and after["name"] == "Ống khói mới"
        assert (
            audited_update(
                conn,
                sites,
                sites.c.id == "NOPE",
                {"name": "x"},
                actor="lan",
                action="site.update",
                target="site:NOPE",
            )
            is None
        )


def test_trust_migration_matches_the_table_modules(engine: Engine) -> None:
    metadata = full_metadata()
    with engine.connect() as conn:
        diffs = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    ours = [d for d in diffs if TRUST_TABLES & set(_tables_named(d))]
    assert ours == []


def _tables_named(diff: object) -> list[str]:
    names: list[str] = []
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item if isinstance(item, tuple) else (item,):
            name = getattr(part, "name", None) or getattr(
                getattr(part, "table", None), "name", None
            )
            if isinstance(name, str):
                names.append(name)
            if isinstance(part, str):
                names.append(part)
    return names
