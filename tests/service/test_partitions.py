"""Monthly partitions of readings and hourly means on PostGIS (issue 20, migration 0014).

Partitions exist for the months of ingested data and ahead; a reading with no partition yet
lands in DEFAULT and moves when its month is created; re-ingesting across partitions changes
nothing; detaching old months (with a gzipped CSV export) leaves them out of queries without
dropping them, and a late reading of a detached month waits in DEFAULT; the migration
converts a table that already holds readings and back.
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.cli import _load_commands, app
from service.database import alembic_config, upgrade
from service.demo.simulator.model import StationModel, demo_scenario, history, render_tt10
from stations.ingest.pipeline import IncomingFile, ingest_batch, ingest_file
from stations.store.partitions import (
    create_partition,
    ensure_partitions,
    is_partitioned,
    month_start,
)
from stations.store.readings import insert_readings, station_units
from stations.store.schema import hourly_means, readings

ROOT = Path(__file__).resolve().parents[2]
STATION = "LS_SONNMT_KK01"
NOW = 1_795_140_000  # 2026-11-20 02:00 UTC
BOUNDARY = month_start((2026, 12))  # 2026-12-01 00:00 UTC
FUTURE = month_start((2031, 6)) + 14 * 86400  # 2031-06-15, years beyond the months made ahead


@pytest.fixture
def sites(engine: Engine) -> dict[str, dict[str, str]]:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        return station_units(conn)


def _files(sites: dict[str, dict[str, str]], start: int, end: int) -> list[IncomingFile]:
    model = StationModel(STATION, "air", sites[STATION])
    return [IncomingFile(n, d, "t") for n, d in history([model], start, end, demo_scenario(end))]


def _rows_by_partition(engine: Engine, table: str) -> dict[str, int]:
    with engine.connect() as conn:
        result = conn.execute(
            text(f"SELECT tableoid::regclass::text, count(*) FROM {table} GROUP BY 1")
        )
        return {str(name): int(n) for name, n in result}


def _all_readings(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(readings).order_by(*readings.primary_key))]


def _pg_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("partitioning is PostgreSQL only (SQLite is checked in its own test)")


def test_partitions_for_ingested_months_and_ahead(engine: Engine, sites, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _pg_only(engine)
    created = ensure_partitions(engine, NOW)
    made = {(t, m) for t, m, _ in created}
    for table in ("readings", "hourly_means"):
        assert {
            (table, (2026, 11)),
            (table, (2026, 12)),
            (table, (2027, 1)),
            (table, (2027, 2)),
        } <= made
    assert ensure_partitions(engine, NOW) == []  # idempotent: the job may run any number of times
    with engine.begin() as conn:  # two replicas starting at once: the second finds it made
        assert create_partition(conn, "readings", (2026, 12)) is None
    files = _files(sites, BOUNDARY - 3600, BOUNDARY + 3600)  # an hour each side of the month end
    result = ingest_batch(engine, files, sites=sites, now=BOUNDARY + 3600, archive_dir=tmp_path)
    assert result.stored == 24 * 9
    by_partition = _rows_by_partition(engine, "readings")
    assert by_partition == {"readings_y2026m11": 12 * 9, "readings_y2026m12": 12 * 9}
    hours = _rows_by_partition(engine, "hourly_means")
    assert set(hours) == {"hourly_means_y2026m11", "hourly_means_y2026m12"}

    # Re-ingesting the same files: duplicates, nothing stored.
    again = ingest_batch(engine, files, sites=sites, now=BOUNDARY + 3600, archive_dir=tmp_path)
    assert again.stored == 0 and [f.outcome for f in again.files] == ["duplicate"] * len(files)
    # The same readings arriving in other files (the COPY + ON CONFLICT path) span both
    # partitions and still change nothing: the first value is kept.
    before = _all_readings(engine)
    with engine.begin() as conn:
        changed = [(*r[:3], -1.0, *r[4:]) for r in before]
        assert insert_readings(conn, changed) == 0
    assert _all_readings(engine) == before


def test_far_future_reading_waits_in_default_then_moves(engine: Engine, sites, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _pg_only(engine)
    ensure_partitions(engine, NOW)
    name, body = render_tt10(STATION, FUTURE, [("PM2.5", 12.5, sites[STATION]["PM2.5"], "00")])
    stored = ingest_file(engine, name, body, "t", sites=sites, now=FUTURE, archive_dir=tmp_path)
    assert stored.outcome == "ok"
    assert _rows_by_partition(engine, "readings") == {"readings_default": 1}
    assert _rows_by_partition(engine, "hourly_means") == {"hourly_means_default": 1}

    created = ensure_partitions(engine, NOW)  # the daily job, still in 2026: the month is made
    assert ("readings", (2031, 6), 1) in created and ("hourly_means", (2031, 6), 1) in created
    assert _rows_by_partition(engine, "readings") == {"readings_y2031m06": 1}
    assert _rows_by_partition(engine, "hourly_means") == {"hourly_means_y2031m06": 1}
    with engine.connect() as conn:
        value = conn.scalar(select(readings.c.value).where(readings.c.observed_at == FUTURE))
    assert value == 12.5


def test_detach_before_exports_and_leaves_the_table(
    engine: Engine,
    db_url: str,
    sites,
    tmp_path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    _pg_only(engine)
    ensure_partitions(engine, NOW)
    files = _files(sites, BOUNDARY - 3600, BOUNDARY + 3600)
    ingest_batch(engine, files, sites=sites, now=BOUNDARY + 3600, archive_dir=tmp_path / "a")
    november = [r for r in _all_readings(engine) if int(r[2]) < BOUNDARY]  # type: ignore[call-overload]
    assert len(november) == 12 * 9

    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    _load_commands()
    out = tmp_path / "archive"
    args = ["--db", db_url, "db", "partitions", "--list", "--detach-before", "2026-12"]
    result = CliRunner().invoke(app, [*args, "--export", str(out)])
    assert result.exit_code == 0, result.output
    assert "detached readings_y2026m11: 108 rows" in result.output
    assert "readings\t2026-12\treadings_y2026m12\t108" in result.output
    assert "readings_y2026m11\t" not in result.output.split("detached")[-1].split("\n", 1)[1]

    with engine.connect() as conn:  # no longer queried through the table, yet not dropped
        assert conn.scalar(select(func.min(readings.c.observed_at))) >= BOUNDARY
        assert conn.scalar(select(func.min(hourly_means.c.hour_start))) == BOUNDARY
        assert conn.scalar(text("SELECT count(*) FROM readings_y2026m11")) == 108
    with gzip.open(out / "readings_y2026m11.csv.gz", "rt", newline="") as fh:
        exported = list(csv.DictReader(fh))
    assert sorted((r["station_id"], r["parameter"], int(r["observed_at"])) for r in exported) == [
        (str(r[0]), str(r[1]), int(r[2]))  # type: ignore[call-overload]
        for r in november
    ]
    assert (out / "hourly_means_y2026m11.csv.gz").exists()

    # A late November file after the archival lands in DEFAULT (still queried, not lost), and
    # the daily job (still in November here) neither fails on the archived month's table name
    # nor attaches a new November beside it.
    late = BOUNDARY - 7200
    name, body = render_tt10(STATION, late, [("PM2.5", 12.5, sites[STATION]["PM2.5"], "00")])
    again = ingest_file(engine, name, body, "t", sites=sites, now=BOUNDARY, archive_dir=tmp_path)
    assert again.outcome == "ok"
    assert ensure_partitions(engine, NOW) == []
    assert _rows_by_partition(engine, "readings")["readings_default"] == 1
    with engine.connect() as conn:
        assert conn.scalar(select(readings.c.value).where(readings.c.observed_at == late)) == 12.5
        assert conn.scalar(text("SELECT count(*) FROM readings_y2026m11")) == 108


def test_migration_converts_a_table_holding_readings_and_back(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _pg_only(engine)
    config = alembic_config(db_url)
    command.downgrade(config, "0013")
    with engine.connect() as conn:
        assert not is_partitioned(conn, "readings")
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        units = station_units(conn)
    files = _files(units, BOUNDARY - 3600, BOUNDARY + 3600)
    ingest_batch(engine, files, sites=units, now=BOUNDARY + 3600, archive_dir=tmp_path)
    before = _all_readings(engine)
    assert len(before) == 24 * 9
    engine.dispose()

    upgrade(db_url)
    with engine.connect() as conn:
        assert is_partitioned(conn, "readings") and is_partitioned(conn, "hourly_means")
    assert _all_readings(engine) == before
    assert _rows_by_partition(engine, "readings") == {
        "readings_y2026m11": 108,
        "readings_y2026m12": 108,
    }
    engine.dispose()

    command.downgrade(config, "0013")
    with engine.connect() as conn:
        assert not is_partitioned(conn, "readings")
    assert _all_readings(engine) == before
    engine.dispose()
    upgrade(db_url)


def test_sqlite_is_not_partitioned(engine: Engine, db_url: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "sqlite":
        pytest.skip("the SQLite case")
    assert ensure_partitions(engine, NOW) == []
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    _load_commands()
    listed = CliRunner().invoke(app, ["--db", db_url, "db", "partitions", "--list"])
    assert listed.exit_code == 0 and "not partitioned" in listed.output
    refused = CliRunner().invoke(
        app, ["--db", db_url, "db", "partitions", "--detach-before", "2026-01"]
    )
    assert refused.exit_code == 2 and "only PostgreSQL" in refused.output
