"""Backup and restore as docs/deployment.md describes them, on the CI PostGIS and on SQLite.

PostgreSQL: ``pg_dump -Fc`` -> ``createdb`` -> ``pg_restore`` -> every table has the same row
count, the append-only triggers came back, and ``quantrac db upgrade`` finds nothing to do.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, insert, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from service.bootstrap import import_points, import_stations
from service.database import upgrade
from service.schema import full_metadata
from stations.store.account_tables import audit_log
from stations.store.audit import record_audit
from stations.store.schema import readings
from tests.service.test_admin_api import DEMO, STATION

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _fill(engine: Engine) -> None:
    import_stations(engine, DEMO / "stations.yaml")
    import_points(engine, DEMO / "points.csv")
    with engine.begin() as conn:
        conn.execute(
            insert(readings),
            [
                {
                    "station_id": STATION,
                    "parameter": "Dust",
                    "observed_at": 300 * i,
                    "value": i,
                    "unit": "mg/Nm3",
                    "status": "00",
                    "qc_flags": 0,
                }
                for i in range(500)
            ],
        )
        for i in range(20):
            record_audit(conn, "lan", "test.fill", f"row:{i}", None, {"i": i})


def _counts(engine: Engine) -> dict[str, int]:
    tables = set(inspect(engine).get_table_names()) & set(full_metadata().tables)
    with engine.connect() as conn:
        return {
            name: conn.scalar(select(func.count()).select_from(full_metadata().tables[name]))
            for name in sorted(tables)
        }


def _pg_tool(name: str) -> str:
    path = PG_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} not installed")
    return found


def test_pg_dump_and_restore_give_the_same_counts(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only (the SQLite backup has its own test)")
    _fill(engine)
    url = make_url(db_url)
    conn_args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    dump = tmp_path / "quantrac.dump"
    subprocess.run(
        [_pg_tool("pg_dump"), *conn_args, "-Fc", "-f", str(dump), url.database],
        check=True,
        capture_output=True,
    )
    restored_name = f"{url.database}_restored"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{restored_name}" TEMPLATE template0'))
    restored_url = url.set(database=restored_name).render_as_string(hide_password=False)
    try:
        subprocess.run(
            [_pg_tool("pg_restore"), *conn_args, "--exit-on-error", "-d", restored_name, str(dump)],
            check=True,
            capture_output=True,
        )
        restored = create_engine(restored_url)
        try:
            before, after = _counts(engine), _counts(restored)
            assert after == before and before["readings"] == 500 and before["sites"] > 13
            with pytest.raises(DatabaseError, match="append-only"), restored.begin() as conn:
                conn.execute(update(audit_log).values(actor="x"))
            with restored.connect() as conn:
                head = conn.scalar(text("SELECT version_num FROM alembic_version"))
                geoms = conn.scalar(text("SELECT count(geom) FROM sites"))
            assert geoms == before["sites"]
        finally:
            restored.dispose()
        upgrade(restored_url)  # `quantrac db upgrade` after a restore: nothing to do
        check = create_engine(restored_url)
        with check.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == head
        check.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_online_backup_gives_the_same_counts(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    _fill(engine)
    source = sqlite3.connect(make_url(db_url).database)
    target_path = tmp_path / "backup.db"
    target = sqlite3.connect(target_path)
    with target:
        source.backup(target)  # consistent even while the service writes (WAL)
    source.close()
    target.close()
    copy = create_engine(f"sqlite:///{target_path}")
    assert _counts(copy) == _counts(engine)
    copy.dispose()
