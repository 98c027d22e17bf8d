"""Migration 0016: on SQLite, readings and the hourly tables are rebuilt in key order (WITHOUT
ROWID) with every row, constraint and reference kept; downgrading rebuilds them with a rowid.

PostgreSQL has no such table kind: the migration leaves it as it is, which
tests/service/test_migrations.py checks against the table modules on both backends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from service.bootstrap import import_stations
from service.database import alembic_config, make_engine, upgrade
from service.demo.simulator.model import render_tt10
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import readings

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000
STATION = "LS_SONNMT_KK01"
TABLES = ("readings", "hourly_means", "normalised_hourly_means")


def _clustered(engine: Engine) -> dict[str, bool]:
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name IN "
            "('readings', 'hourly_means', 'normalised_hourly_means')"
        ).all()
    return {name: sql.rstrip().upper().endswith("WITHOUT ROWID") for name, sql in rows}


def _stored(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    with engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY 1, 2, 3")]
            for t in TABLES
        }


def _ingest(engine: Engine, files: list[IncomingFile], tmp_path: Path) -> list[str]:
    with engine.connect() as conn:
        sites = station_units(conn)
    result = ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path / "a")
    return [f.outcome for f in result.files]


@pytest.fixture
def sqlite_url(db_url: str) -> str:
    if not db_url.startswith("sqlite"):
        pytest.skip("a SQLite table kind; PostgreSQL is unchanged by 0016")
    return db_url


def test_rows_survive_the_rebuild_both_ways(sqlite_url: str, tmp_path: Path) -> None:
    command.downgrade(alembic_config(sqlite_url), "0015")
    engine = make_engine(sqlite_url)
    try:
        assert _clustered(engine) == dict.fromkeys(TABLES, False)
        import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
        rendered = [
            render_tt10(STATION, NOW - 300 * i, [("PM2.5", 10.0 + i, "µg/Nm³", "00")])
            for i in range(24)
        ]
        files = [IncomingFile(name, data, "t") for name, data in rendered]
        assert _ingest(engine, files, tmp_path) == ["ok"] * 24
        before = _stored(engine)
        assert len(before["readings"]) == 24 and before["hourly_means"]

        upgrade(sqlite_url)
        assert _clustered(engine) == dict.fromkeys(TABLES, True)
        assert _stored(engine) == before
        with engine.connect() as conn:  # every reference still holds
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # the key still refuses a second row, and ingest still sees its files as known
        assert _ingest(engine, files, tmp_path) == ["duplicate"] * 24
        with engine.connect() as conn:
            row = conn.execute(select(readings).limit(1)).mappings().one()
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(readings).values(**row))
        later = render_tt10(STATION, NOW + 300, [("PM2.5", 50.0, "µg/Nm³", "00")])
        assert _ingest(engine, [IncomingFile(*later, "t")], tmp_path) == ["ok"]
        after = _stored(engine)

        command.downgrade(alembic_config(sqlite_url), "0015")
        assert _clustered(engine) == dict.fromkeys(TABLES, False)
        assert _stored(engine) == after
    finally:
        engine.dispose()


def test_a_new_database_is_clustered(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        assert _clustered(engine) == dict.fromkeys(TABLES, True)
    finally:
        engine.dispose()


def test_a_reading_of_a_station_gone_from_the_registry_is_kept(sqlite_url: str) -> None:
    """A database that ran without foreign keys may hold readings of a removed station: the
    copy, station by station from the registry, must still carry them over."""
    command.downgrade(alembic_config(sqlite_url), "0015")
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql(
                "INSERT INTO readings VALUES ('LS_GONE_KK09', 'PM10', ?, 12.5, 'µg/m³', '00', 0, "
                "NULL)",
                (NOW,),
            )
            conn.commit()
        before = _stored(engine)
        upgrade(sqlite_url)
        assert _clustered(engine)["readings"]
        assert _stored(engine) == before
        command.downgrade(alembic_config(sqlite_url), "0015")
        assert _stored(engine) == before
    finally:
        engine.dispose()
