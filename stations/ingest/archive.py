"""The raw-file archive (content-addressed, kept forever) and the quarantine folder.

``archive_dir/<sha[:2]>/<sha256>`` holds every file received, good or bad, written before the
database commit so a committed reading always has its raw bytes. Quarantined files also get a
readable copy ``quarantine_dir/<sha[:12]>_<name>`` with a ``.reason.txt`` beside it.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def archive_path(archive_dir: Path, sha256: str) -> Path:
    """Where the bytes with this hash live."""
    return archive_dir / sha256[:2] / sha256


def archive_bytes(archive_dir: Path, sha256: str, data: bytes, *, fsync: bool = False) -> Path:
    """Store ``data`` under its hash (no-op when present); atomic via a temporary name."""
    path = archive_path(archive_dir, sha256)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{sha256}.{os.getpid()}.tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        if fsync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


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
