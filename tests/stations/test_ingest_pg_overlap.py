"""PostgreSQL ends each part's ``COPY`` in a thread while the next part is parsed; a failure
on either side undoes the whole batch, and the files can be sent again.

The batch goes in parts of two files. A failure is injected in the third part: the server
refuses its readings when the ``COPY`` ends (readings naming no recorded file break the
foreign key, checked then), or the parse of the fourth part fails while the server is ending
the third's copy. Either way nothing of the batch remains, no thread is left holding the
connection, and the same files ingested again are all stored.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, func, select

from service.bootstrap import import_stations
from stations.ingest import pg_batches as batches
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import hourly_means, ingested_files, readings

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_500_000
START = NOW - 86400 - NOW % 3600
FILES = 8  # four parts of two files


def _files(sites: dict[str, dict[str, str]]) -> list[IncomingFile]:
    sid = sorted(sites)[0]
    params = dict(list(sites[sid].items())[:2])
    out = []
    for i in range(FILES):
        t = START + i * 300
        stamp = (datetime.fromtimestamp(t, UTC) + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")
        body = "".join(f"{p}\t{1.5 + i}\t{u}\t{stamp}\t00\r\n" for p, u in params.items())
        out.append(IncomingFile(f"{sid}_{stamp}.txt", body.encode(), "test"))
    return out


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(select(func.count()).select_from(t))
            for t in (readings, ingested_files, hourly_means)
        )


@pytest.fixture
def setup(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[IncomingFile]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the parts path is PostgreSQL's")
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    monkeypatch.setattr(batches, "FIRST_PART", 2)
    monkeypatch.setattr(batches, "SUB_BATCH", 2)
    return sites, _files(sites)


def _retry_stores_everything(engine: Engine, sites: Any, files: list[IncomingFile], tmp: Path):
    assert _counts(engine) == (0, 0, 0)  # nothing of the failed batch remains
    assert not [t for t in threading.enumerate() if t.name == "copy-end"]
    result = ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp)
    assert result.stored == 2 * FILES
    assert _counts(engine)[:2] == (2 * FILES, FILES)


def test_a_part_the_server_refuses_undoes_the_batch(
    engine: Engine, setup: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites, files = setup
    real, calls = batches.copy_files, []

    def copy_files(conn: Any, rows: Any, ids: list[int]) -> list[int]:
        calls.append(len(rows))
        if len(calls) == 3:  # the third part's first file is recorded under another id
            ids = [ids[0] + 10**6, *ids[1:]]
        return real(conn, rows, ids)

    monkeypatch.setattr(batches, "copy_files", copy_files)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path)
    assert calls == [2, 2, 2]  # the failure came from the third part's copy
    monkeypatch.setattr(batches, "copy_files", real)
    _retry_stores_everything(engine, sites, files, tmp_path)


def test_a_parse_failing_while_the_server_ends_a_copy_undoes_the_batch(
    engine: Engine, setup: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites, files = setup
    real, parsed = batches.prepare, []

    def prepare(w: Any, *args: Any) -> None:
        parsed.append(w.incoming.name)
        if len(parsed) == 7:  # the fourth part, parsed while the third part's copy ends
            raise RuntimeError("parser bug")
        real(w, *args)

    monkeypatch.setattr(batches, "prepare", prepare)
    with pytest.raises(RuntimeError, match="parser bug"):
        ingest_batch(engine, files, sites=sites, now=NOW, archive_dir=tmp_path)
    monkeypatch.setattr(batches, "prepare", real)
    _retry_stores_everything(engine, sites, files, tmp_path)
