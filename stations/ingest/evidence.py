"""Read a received file back from the raw archive and hash it, for evidence.

``ingested_files.archive_path`` is ``archive_dir/<sha[:2]>/<sha256>`` (content-addressed) or,
for a file that arrived inside a zip, ``<archived zip>#<member>``. The content-addressed object
(the file, or its zip) must still hash to its own name: ``verified`` says it does.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Evidence:
    """The SHA-256 of a file's bytes as archived now, and whether the archive is intact."""

    sha256: str | None  # None: the bytes are not in the archive any more
    verified: bool


@dataclass
class ArchiveReader:
    """Hashes archived files, opening each archived zip once (one report reads many members)."""

    _zips: dict[str, tuple[zipfile.ZipFile, bool]] = field(default_factory=dict)

    def evidence(self, archive_path: str | None) -> Evidence:
        """:class:`Evidence` for one ``archive_path`` (never raises for a missing file)."""
        if not archive_path:
            return Evidence(None, False)
        path, _, member = archive_path.partition("#")
        try:
            if not member:
                data = Path(path).read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                return Evidence(digest, digest == Path(path).name)
            zf, intact = self._zip(path)
            return Evidence(hashlib.sha256(zf.read(member)).hexdigest(), intact)
        except (OSError, KeyError, zipfile.BadZipFile):
            return Evidence(None, False)

    def _zip(self, path: str) -> tuple[zipfile.ZipFile, bool]:
        held = self._zips.get(path)
        if held is None:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            held = self._zips[path] = (zipfile.ZipFile(path), digest == Path(path).name)
        return held

    def close(self) -> None:
        """Close the zips opened so far."""
        for zf, _ in self._zips.values():
            zf.close()
        self._zips.clear()
