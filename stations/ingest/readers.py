"""Read files for backfill: single files, folders (recursive) and zip archives.

Zip archives are archived whole (their bytes are the raw evidence received); members are then
ingested one by one and point at ``<zip archive path>#<member>``. Member names are untrusted:
nothing is ever extracted to disk under them, and a member named with ``..`` or an absolute
path is handed on under its full name so the pipeline quarantines it.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from stations.ingest.archive import archive_bytes
from stations.ingest.model import IncomingFile
from stations.ingest.zipdir import iter_members
from stations.sizes import MAX_FILE_BYTES, read_capped
from stations.sources.base import waiting

MAX_MEMBER_BYTES = MAX_FILE_BYTES  # bigger members are read only up to this (then rejected)


def _member_name(raw: str) -> str:
    parts = raw.replace("\\", "/").split("/")
    if raw.startswith(("/", "\\")) or ".." in parts or (len(raw) > 1 and raw[1] == ":"):
        return raw  # unsafe: keep the full name so the pipeline quarantines it with the reason
    return parts[-1]


def _members(data: bytes) -> Iterator[tuple[str, bytes]]:
    """``(name, bytes)`` of each file member, directories skipped. Hidden, temporary and
    unsafe names are handed on too: the pipeline quarantines them with the reason (an archive
    is not an upload in progress, so nothing in it is silently left out)."""
    fast = iter_members(data, MAX_MEMBER_BYTES)
    if fast is None:
        fast = _zipfile_members(data)
    for name, content in fast:
        if not name.endswith("/"):
            yield name, content


def _zipfile_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            with zf.open(info) as fh:
                yield info.filename, fh.read(MAX_MEMBER_BYTES + 1)


def read_zip(path: Path, archive_dir: Path) -> Iterator[IncomingFile]:
    """Members of a zip archive (after archiving the zip itself)."""
    data = path.read_bytes()
    kept = archive_bytes(archive_dir, hashlib.sha256(data).hexdigest(), data)
    origin, archived = f"{path}#", f"{kept}#"
    for name, content in _members(data):
        yield IncomingFile(_member_name(name), content, origin + name, archived + name)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named, and files under folders named (sorted, hidden/temporary ones skipped)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames.sort()
                out += [Path(dirpath) / n for n in sorted(filenames) if waiting(n)]
        else:
            out.append(p)
    return out


def read_paths(files: Iterable[Path], archive_dir: Path) -> Iterator[IncomingFile]:
    """Incoming files for each path: zip members, or the file itself."""
    for p in files:
        if p.suffix.lower() == ".zip" and zipfile.is_zipfile(p):
            try:
                yield from read_zip(p, archive_dir)
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
                pass  # a broken archive goes to quarantine as an unreadable file
        yield IncomingFile(name=p.name, data=read_capped(p), origin=str(p))
