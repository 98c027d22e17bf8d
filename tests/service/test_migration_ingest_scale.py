"""Migration 0015: files keyed by (name, sha256) instead of sha256 alone, on both backends.

A database holding files from before the migration still recognises them as duplicates after
it, a resent file (same name, other bytes) is still a new file, and the database itself
refuses a second row for the same name and hash.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from service.bootstrap import import_stations
from service.database import alembic_config, make_engine, upgrade
from service.demo.simulator.model import render_tt10
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import ingested_files

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000
STATION = "LS_SONNMT_KK01"


def _ingest(url: str, files: list[IncomingFile], tmp_path: Path) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sites = station_units(conn)
        result = ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path / "a")
        return [f.outcome for f in result.files]
    finally:
        engine.dispose()


@pytest.mark.parametrize("before", ["0014", "0013"])  # 0015 alone, or after another revision
def test_files_stored_before_0015_stay_known(db_url: str, tmp_path: Path, before: str) -> None:
    command.downgrade(alembic_config(db_url), before)
    engine = make_engine(db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    engine.dispose()
    rendered = [
        render_tt10(STATION, NOW - 300 * i, [("PM2.5", 10.0 + i, "µg/Nm³", "00")]) for i in range(3)
    ]
    files = [IncomingFile(name, data, "t") for name, data in rendered]
    assert _ingest(db_url, files, tmp_path) == ["ok"] * 3
    upgrade(db_url)
    assert _ingest(db_url, files, tmp_path) == ["duplicate"] * 3
    resent = IncomingFile(files[0].name, files[0].data.replace(b"10.0", b"11.5"), "t")
    assert _ingest(db_url, [resent], tmp_path) == ["ok"]
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":  # every reading still points at its file
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            row = conn.execute(select(ingested_files).limit(1)).mappings().one()
        copy = {k: v for k, v in row.items() if k != "id"}
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(ingested_files).values(**copy))
    finally:
        engine.dispose()
