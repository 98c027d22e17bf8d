"""Whichever way a batch reaches the database, it stores the same thing.

PostgreSQL streams a batch's readings into a ``COPY`` while QC runs, copies file records and
new hours' means, and falls back to ``ON CONFLICT`` when a key is stored or repeats; SQLite
inserts with ``executemany``. The same sequence of batches (new hours, hours split across
batches, a resent file with a corrected value, a key repeated within a batch, files out of
order, a flat line and a spike) must leave identical readings, QC flags, hourly means, latest
values, conflicts and file records on the database under test and on a reference SQLite
database.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from service.bootstrap import import_stations
from service.database import make_engine
from stations.ingest import pg_batches as batches
from stations.ingest import pg_stream as stream
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.parameters import catalogue
from stations.store.readings import station_units

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_500_000
START = NOW - 2 * 86400 - (NOW % 3600) + 600  # 10 minutes past an hour, two days ago
LOCAL = timedelta(hours=7)


def _stamp(t: int) -> str:
    return (datetime.fromtimestamp(t, UTC) + LOCAL).strftime("%Y%m%d%H%M%S")


def _file(
    sid: str, params: dict[str, str], t: int, values: dict[str, float], resend: int = 0
) -> IncomingFile:
    """A file of readings at ``t``; ``resend`` > 0 names it that many seconds later."""
    body = "".join(f"{p}\t{values[p]}\t{u}\t{_stamp(t)}\t00\r\n" for p, u in params.items())
    return IncomingFile(f"{sid}_{_stamp(t + resend)}.txt", body.encode(), "test")


def _batches(sites: dict[str, dict[str, str]]) -> list[list[IncomingFile]]:
    sids = sorted(sites)[:3]
    params = {s: dict(list(sites[s].items())[:3]) for s in sids}

    first = next(iter(params[sids[0]]))
    top = catalogue()[first].max_valid or 1000.0

    def value(s: str, p: str, i: int) -> float:
        if s == sids[0] and p == first:  # a flat line, then a spike within the valid range
            return round(0.9 * top, 3) if i == 20 else 5.0
        return round(1.0 + ((i * 7 + len(p)) % 13) * 0.37, 3)

    def f(s: str, i: int, resend: int = 0, bump: float = 0.0) -> IncomingFile:
        vals = {p: value(s, p, i) + bump for p in params[s]}
        return _file(s, params[s], START + i * 300, vals, resend)

    return [
        [f(s, i) for i in range(0, 6) for s in sids],  # new hours
        [f(s, i) for s in sids for i in range(6, 14)],  # completes an hour stored before
        [f(sids[0], 3, 1, bump=0.5), f(sids[1], 14)],  # a corrected resend: conflict
        [f(sids[2], 14), f(sids[2], 14, 2, bump=0.25), f(sids[2], 15)],  # repeated key
        [f(s, i) for s in sids for i in range(24, 15, -1)],  # out of order, flat line, spike
    ]


_QUERIES = {
    "readings": "SELECT r.station_id, r.parameter, r.observed_at, r.value, r.unit, r.status, "
    "r.qc_flags, f.name FROM readings r LEFT JOIN ingested_files f ON f.id = r.file_id",
    "hourly_means": "SELECT station_id, parameter, hour_start, mean, min, "
    "max, n_valid, n_total, unit FROM hourly_means",
    "latest_values": "SELECT station_id, parameter, observed_at, value, unit, status, qc_flags "
    "FROM latest_values",
    "reading_conflicts": "SELECT c.station_id, c.parameter, c.observed_at, c.kept_value, "
    "c.value, f.name FROM reading_conflicts c JOIN ingested_files f ON f.id = c.file_id",
    "ingested_files": "SELECT name, outcome, readings, station_id FROM ingested_files",
}


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            table: sorted(tuple(map(_plain, row)) for row in conn.execute(text(sql)))
            for table, sql in _QUERIES.items()
        }


def _plain(v: Any) -> Any:
    """Means rounded: PostgreSQL and SQLite may sum the same floats in another order."""
    return round(v, 9) if isinstance(v, float) else v


def _ingest(engine: Engine, tmp: Path) -> tuple[dict[str, list[tuple[Any, ...]]], list[int]]:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    stored = [
        ingest_batch(engine, batch, sites=sites, now=NOW, archive_dir=tmp).stored
        for batch in _batches(sites)
    ]
    return _contents(engine), stored


def _reference(
    sqlite_template: Path, tmp_path: Path
) -> tuple[dict[str, list[tuple[Any, ...]]], list[int]]:
    """The same batches ingested into a fresh SQLite database."""
    shutil.copyfile(sqlite_template, tmp_path / "ref.db")
    reference = make_engine(f"sqlite:///{tmp_path / 'ref.db'}")
    try:
        return _ingest(reference, tmp_path / "b")
    finally:
        reference.dispose()


def test_every_insert_path_stores_what_the_reference_stores(
    engine: Engine, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies: list[bool] = []  # PostgreSQL: each batch's COPY of readings, taken or refused
    real = stream.copy_new_readings

    def copy(*args: Any) -> bool:
        copies.append(real(*args))
        return copies[-1]

    monkeypatch.setattr(stream, "copy_new_readings", copy)
    got, stored = _ingest(engine, tmp_path / "a")
    if engine.dialect.name == "postgresql":  # a stored key skips the copy; a repeated one undoes it
        assert copies == [True, True, False, True]
    want, want_stored = _reference(sqlite_template, tmp_path)
    assert stored == want_stored
    assert stored[2] == 3 and stored[3] == 6  # the resend and the repeated key add nothing
    for table in _QUERIES:
        assert got[table] == want[table], table
    assert len(got["reading_conflicts"]) == 6  # 3 parameters resent, 3 repeated in a batch
    assert any(r[6] & 128 for r in got["readings"])  # a flat line was flagged
    assert any(r[6] & 256 for r in got["readings"])  # and a spike
    assert len(got["latest_values"]) == 9


@pytest.mark.parametrize("size", [1, 4])
def test_a_batch_stored_in_parts_stores_the_same(
    engine: Engine,
    sqlite_template: Path,
    tmp_path: Path,
    size: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL stores a batch in parts (parsing one while the server stores another); a
    batch whose stations' files do not follow each other in time is stored whole instead."""
    monkeypatch.setattr(batches, "SUB_BATCH", size)
    wholes: list[int] = []
    real = batches.store_work

    def whole(conn: Any, work: Any, *args: Any) -> Any:
        wholes.append(len(work))
        return real(conn, work, *args)

    monkeypatch.setattr(batches, "store_work", whole)
    got, _stored = _ingest(engine, tmp_path / "a")
    want, _ = _reference(sqlite_template, tmp_path)
    for table in _QUERIES:
        assert got[table] == want[table], table
    if engine.dialect.name == "postgresql":
        assert wholes == [27]  # only the out-of-order batch
