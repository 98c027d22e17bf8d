"""The raw-file archive (content-addressed, kept forever) and the quarantine folder.

``archive_dir/<sha[:2]>/<sha256>`` holds every file received, good or bad, written before the
database commit so a committed reading always has its raw bytes. A polled batch is kept as one
pack (a zip of its files, archived under the zip's own hash): its files are ``<pack>#<sha256>``.
Quarantined files also get a readable copy ``quarantine_dir/<sha[:12]>_<name>`` with a
``.reason.txt`` beside it.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import zipfile
from pathlib import Path

from stations.ingest.pack import pack

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def archive_path(archive_dir: Path, sha256: str) -> Path:
    """Where the bytes with this hash live."""
    return archive_dir / sha256[:2] / sha256


def archive_bytes(archive_dir: Path, sha256: str, data: bytes, *, fsync: bool = False) -> Path:
    """Store ``data`` under its hash (no-op when present); atomic via a temporary name. With
    ``fsync`` the bytes and the name are on disk when this returns."""
    path = archive_path(archive_dir, sha256)
    if path.exists():
        return path
    new_dirs = _make_parent(path)
    tmp = path.with_name(f".{sha256}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if fsync:  # the new name (and any new folder) is durable only once its folder is
        for folder in (path.parent, *new_dirs):
            _fsync(folder)
    return path


def _make_parent(path: Path) -> list[Path]:
    """Create ``path``'s folder if needed; the parents of the folders created (to flush)."""
    if path.parent.is_dir():
        return []
    created = []
    folder = path.parent
    while not folder.is_dir():
        created.append(folder)
        folder = folder.parent
    path.parent.mkdir(parents=True, exist_ok=True)
    return [c.parent for c in created]


class ArchiveBatch:
    """Archive a batch's files with one durable write instead of one per file.

    :meth:`add` keeps each file's bytes; :meth:`flush` (before the database commit) writes them
    as one pack (:mod:`~stations.ingest.pack`: a stored zip whose members are named by their
    SHA-256, itself kept under its own SHA-256 like any archived zip), flushes it, gives it its
    final name and flushes that name, then returns each file's archive path
    ``<pack>#<sha256>``. A final name never holds bytes that were not on disk; an interrupted
    batch leaves only a temporary, which :func:`remove_orphan_temps` clears. A batch of one
    file is kept as a plain content-addressed file.
    """

    def __init__(self, archive_dir: Path) -> None:
        self.archive_dir = archive_dir
        self._staged: dict[str, bytes] = {}

    def add(self, sha256: str, data: bytes) -> None:
        """Keep ``data`` for the next :meth:`flush` (once per hash)."""
        self._staged.setdefault(sha256, data)

    def flush(self) -> dict[str, str]:
        """Make every added file durable; ``{sha256: archive path}``."""
        staged, self._staged = self._staged, {}
        if len(staged) == 1:
            ((sha, data),) = staged.items()
            return {sha: str(archive_bytes(self.archive_dir, sha, data, fsync=True))}
        if not staged:
            return {}
        blob = pack(sorted(staged.items()))
        kept = archive_bytes(self.archive_dir, hashlib.sha256(blob).hexdigest(), blob, fsync=True)
        return {sha: f"{kept}#{sha}" for sha in staged}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def safe_basename(name: str) -> str:
    """A file-system-safe, short version of an untrusted name (for quarantine copies)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return (_UNSAFE.sub("_", base).strip("._") or "file")[:100]


def quarantine(quarantine_dir: Path, sha256: str, name: str, data: bytes, reason: str) -> Path:
    """Copy a rejected file and its reason into the quarantine folder for an operator."""
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    path = quarantine_dir / f"{sha256[:12]}_{safe_basename(name)}"
    if not path.exists():
        path.write_bytes(data)
    path.with_name(path.name + ".reason.txt").write_text(f"{name}\n{reason}\n", encoding="utf-8")
    return path


_TMP = re.compile(r"^\.[0-9a-f]{64}\.(\d+)\.tmp$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def remove_orphan_temps(archive_dir: Path, *, older_than_s: float = 3600.0) -> int:
    """Remove temporary archive files a killed writer left (``.<sha>.<pid>.tmp``): those whose
    process is gone, or older than ``older_than_s`` (another host's). Returns how many."""
    if not archive_dir.is_dir():
        return 0
    removed, now = 0, time.time()
    for sub in os.scandir(archive_dir):
        if not sub.is_dir(follow_symlinks=False):
            continue
        for entry in os.scandir(sub.path):
            match = _TMP.match(entry.name)
            if match is None:
                continue
            try:
                stale = now - entry.stat().st_mtime > older_than_s
                if stale or not _alive(int(match.group(1))):
                    os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:
                continue  # its writer finished meanwhile
    return removed


def archived_bytes(archive_path: str) -> bytes:
    """The raw bytes an ``ingested_files.archive_path`` names: a file of the archive, or a zip
    member written ``<zip archive path>#<member>``. Raises ``OSError`` when they are gone."""
    path = Path(archive_path)
    if path.is_file() or "#" not in archive_path:
        return path.read_bytes()
    zip_path, member = archive_path.split("#", 1)

    try:
        with zipfile.ZipFile(zip_path) as zf:
            return zf.read(member)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise OSError(f"{archive_path}: {exc}") from exc
