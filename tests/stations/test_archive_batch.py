"""The live path's archive: one pack per batch, durable and named before the commit, readable
by every reader of archive paths (replay, forwarding, evidence)."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, select

from service.bootstrap import import_stations
from stations.forward.content import raw_bytes
from stations.ingest import archive as archive_mod
from stations.ingest.archive import (
    ArchiveBatch,
    archive_path,
    archived_bytes,
    remove_orphan_temps,
)
from stations.ingest.evidence import ArchiveReader
from stations.ingest.pack import pack, zipfile_pack
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.store.readings import station_units
from stations.store.schema import ingested_files

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_500_000


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_pack_is_a_zip_that_zipfile_reads_and_depends_on_content_only() -> None:
    members = [(_sha(b), b) for b in (b"a\r\n", b"", b"x" * 70_000)]
    blob = pack(members)
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        assert zf.testzip() is None
        assert [(i.filename, zf.read(i)) for i in zf.infolist()] == members
    assert pack(members) == blob  # same files, same pack, same archive name


@pytest.mark.parametrize(
    "members",
    [
        [],
        [("a", b"")],
        [(_sha(b"x"), b"x\r\n"), (_sha(b"y"), b"y" * 70_000)],
        [("trạm/é.txt", "Trạm quan trắc".encode())],  # a UTF-8 name sets the UTF-8 flag
        [(f"{i:064x}", bytes([i % 256]) * (i % 900)) for i in range(2_000)],
    ],
)
def test_pack_writes_the_bytes_zipfile_writes(members: list[tuple[str, bytes]]) -> None:
    # byte for byte: a pack's archive name (its hash) does not depend on which writer ran
    assert pack(members) == zipfile_pack(members)


def test_pack_past_the_classic_zip_limits_is_zip64() -> None:
    members = [(f"{i:05d}", b"") for i in range(70_000)]  # > 65,535 members
    with zipfile.ZipFile(io.BytesIO(pack(members))) as zf:
        assert [i.filename for i in zf.infolist()] == [n for n, _ in members]


def test_a_batch_becomes_one_pack_named_by_its_hash(tmp_path: Path) -> None:
    batch = ArchiveBatch(tmp_path)
    blobs = [b"a\r\n", b"b\r\n", b"a\r\n"]  # the same bytes twice: kept once
    for b in blobs:
        batch.add(_sha(b), b)
    assert not list(tmp_path.rglob("*"))  # nothing written before the flush
    paths = batch.flush()
    assert set(paths) == {_sha(b"a\r\n"), _sha(b"b\r\n")}
    (pack_file,) = {p.split("#")[0] for p in paths.values()}
    assert Path(pack_file) == archive_path(tmp_path, _sha(Path(pack_file).read_bytes()))
    for sha, path in paths.items():
        assert path == f"{pack_file}#{sha}"
        data = archived_bytes(path)
        assert _sha(data) == sha and raw_bytes(path) == data  # replay and forwarding read it
        assert ArchiveReader().evidence(path).sha256 == sha
        assert ArchiveReader().evidence(path).verified  # the pack hashes to its own name
    assert not list(tmp_path.glob("*/.*.tmp"))
    assert batch.flush() == {}


def test_a_single_file_stays_a_plain_archived_file(tmp_path: Path) -> None:
    batch = ArchiveBatch(tmp_path)
    batch.add(_sha(b"one"), b"one")
    assert batch.flush() == {_sha(b"one"): str(archive_path(tmp_path, _sha(b"one")))}
    assert archive_path(tmp_path, _sha(b"one")).read_bytes() == b"one"


def test_flush_orders_data_flush_then_name_then_folder_flush(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order the durability guarantee relies on: bytes flushed under a temporary name,
    renamed, then the folders holding the new name flushed (new folders' parents too)."""
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(a: os.PathLike[str], b: os.PathLike[str]) -> None:
        events.append(("rename", str(b)))
        real_replace(a, b)

    monkeypatch.setattr(archive_mod.os, "fsync", fsync)
    monkeypatch.setattr(archive_mod.os, "replace", replace)
    root = tmp_path / "archive"
    batch = ArchiveBatch(root)
    batch.add(_sha(b"1"), b"1")
    batch.add(_sha(b"2"), b"2")
    final = Path(next(iter(batch.flush().values())).split("#")[0])
    kinds = [k for k, _ in events]
    assert kinds == ["fsync", "rename", "fsync", "fsync", "fsync"]
    assert events[0][1].endswith(".tmp") and events[1][1] == str(final)
    assert [p for _, p in events[2:]] == [str(final.parent), str(root), str(tmp_path)]


def test_interrupted_batch_leaves_only_an_orphan_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_a: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(archive_mod.os, "replace", crash)
    batch = ArchiveBatch(tmp_path)
    batch.add(_sha(b"x"), b"x")
    batch.add(_sha(b"y"), b"y")
    with pytest.raises(OSError):
        batch.flush()
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".tmp")]
    assert remove_orphan_temps(tmp_path, older_than_s=-1) == 1


def _files(sites: dict[str, dict[str, str]]) -> list[IncomingFile]:
    station = sorted(sites)[0]
    parameter, unit = next(iter(sites[station].items()))
    good = [
        IncomingFile(
            f"{station}_2026120510{m:02d}00.txt",
            f"{parameter}\t1.{m}\t{unit}\t2026120510{m:02d}00\t00\r\n".encode(),
            "test",
        )
        for m in range(0, 60, 5)
    ]
    return [*good, IncomingFile("XX_NOWHERE_20261205100000.txt", b"garbage\r\n", "test")]


def test_polling_batch_archives_every_file_before_commit(engine: Engine, tmp_path: Path) -> None:
    """Inside the transaction (``on_record`` runs just before the commit) every file's archive
    path already reads back its bytes; afterwards quarantined ones still do (replay)."""
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    files = _files(sites)
    seen_in_transaction: dict[str, bytes] = {}

    def on_record(conn: Connection, _records: object) -> None:
        for row in conn.execute(select(ingested_files)):
            seen_in_transaction[row.name] = archived_bytes(row.archive_path)

    archive = tmp_path / "archive"
    result = ingest_batch(
        engine,
        files,
        sites=sites,
        now=NOW,
        archive_dir=archive,
        options=IngestOptions(fsync=True, on_record=on_record),
    )
    assert [o.outcome for o in result.files] == ["ok"] * (len(files) - 1) + ["quarantined"]
    assert seen_in_transaction == {f.name: f.data for f in files}
    with engine.connect() as conn:
        kept = {r.name: r.archive_path for r in conn.execute(select(ingested_files))}
    assert len({p.split("#")[0] for p in kept.values()}) == 1  # one pack for the batch
    for f in files:
        assert kept[f.name].endswith(f"#{_sha(f.data)}")
        assert archived_bytes(kept[f.name]) == f.data
    assert not list(archive.glob("*/.*.tmp"))
