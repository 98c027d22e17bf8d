"""The live path's archive: files flushed together, never under their final name before."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine, select

from service.bootstrap import import_stations
from stations.ingest.archive import ArchiveBatch, archive_path, remove_orphan_temps
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import ingested_files

ROOT = Path(__file__).resolve().parents[2]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_final_names_appear_only_after_flush(tmp_path: Path) -> None:
    batch = ArchiveBatch(tmp_path)
    blobs = [b"a\r\n", b"b\r\n", b"a\r\n"]  # the same bytes twice: written once
    paths = [batch.add(_sha(b), b) for b in blobs]
    assert paths[0] == paths[2] == archive_path(tmp_path, _sha(b"a\r\n"))
    assert not any(p.exists() for p in paths)  # only temporary names so far
    batch.flush()
    assert [p.read_bytes() for p in paths] == blobs
    assert not list(tmp_path.glob("*/.*.tmp"))
    assert batch.add(_sha(b"a\r\n"), b"a\r\n") == paths[0]  # already archived: nothing staged
    batch.flush()


def test_unflushed_temporaries_are_orphans(tmp_path: Path) -> None:
    batch = ArchiveBatch(tmp_path)
    batch.add(_sha(b"x"), b"x")
    assert remove_orphan_temps(tmp_path, older_than_s=-1) == 1  # what a killed writer leaves


def test_polling_options_archive_every_file_before_commit(engine: Engine, tmp_path: Path) -> None:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    station = sorted(sites)[0]
    parameter, unit = next(iter(sites[station].items()))
    files = [
        IncomingFile(
            f"{station}_2026120510{m:02d}00.txt",
            f"{parameter}\t1.{m}\t{unit}\t2026120510{m:02d}00\t00\r\n".encode(),
            "test",
        )
        for m in range(0, 60, 5)
    ]
    archive = tmp_path / "archive"
    result = ingest_batch(
        engine,
        files,
        sites=sites,
        now=1_796_500_000,
        archive_dir=archive,
        options=IngestOptions(fsync=True),
    )
    assert [o.outcome for o in result.files] == ["ok"] * len(files)
    with engine.connect() as conn:
        rows = conn.execute(select(ingested_files.c.name, ingested_files.c.archive_path))
        kept = {r.name: r.archive_path for r in rows}
    for f in files:
        assert Path(kept[f.name]) == archive_path(archive, _sha(f.data))
        assert Path(kept[f.name]).read_bytes() == f.data
    assert not list(archive.glob("*/.*.tmp"))
