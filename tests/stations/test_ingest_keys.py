"""A key is stored once whichever insert path a batch takes (PostgreSQL copies a batch of new
keys straight into ``readings``; repeated or stored keys go through ``ON CONFLICT``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from service.bootstrap import import_stations
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.conflicts import reading_conflicts
from stations.store.pg_ingest import copy_new_readings
from stations.store.readings import insert_readings, station_units
from stations.store.schema import readings

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_500_000


@pytest.fixture
def station(engine: Engine) -> tuple[str, str, str, dict[str, dict[str, str]]]:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    sid = sorted(sites)[0]
    parameter, unit = next(iter(sites[sid].items()))
    return sid, parameter, unit, sites


def _file(sid: str, parameter: str, unit: str, name_stamp: str, value: str) -> IncomingFile:
    line = f"{parameter}\t{value}\t{unit}\t20261205100000\t00\r\n"
    return IncomingFile(f"{sid}_{name_stamp}.txt", line.encode(), "test")


def _stored(engine: Engine) -> list[float]:
    with engine.connect() as conn:
        return list(conn.scalars(select(readings.c.value)))


def test_a_key_repeated_within_one_batch_keeps_the_first_value(
    engine: Engine, station, tmp_path: Path
) -> None:
    sid, parameter, unit, sites = station
    files = [
        _file(sid, parameter, unit, "20261205100000", "1.5"),
        _file(sid, parameter, unit, "20261205100001", "2.5"),  # a resend, corrected value
    ]
    result = ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path)
    assert result.stored == 1
    assert _stored(engine) == [1.5]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(reading_conflicts)) == 1


def test_a_new_batch_over_stored_keys_adds_nothing(engine: Engine, station, tmp_path: Path) -> None:
    sid, parameter, unit, sites = station
    first = [_file(sid, parameter, unit, "20261205100000", "1.5")]
    assert ingest_batch(engine, first, sites=sites, now=NOW, archive_dir=tmp_path).stored == 1
    again = [_file(sid, parameter, unit, "20261205100002", "3.5")]
    assert ingest_batch(engine, again, sites=sites, now=NOW, archive_dir=tmp_path).stored == 0
    assert _stored(engine) == [1.5]


def test_the_copy_path_falls_back_when_a_key_is_stored(engine: Engine, station) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    sid, parameter, unit, _sites = station
    row = (sid, parameter, NOW - 3600, 1.0, unit, "00", 0, None)
    with engine.begin() as conn:
        assert copy_new_readings(conn, [[row]])
    changed = (*row[:3], 2.0, *row[4:])  # a key another writer stored meanwhile
    with engine.begin() as conn:
        assert not copy_new_readings(conn, [[changed]])
        assert insert_readings(conn, [changed]) == 0  # the transaction goes on after the refusal
    assert _stored(engine) == [1.0]
