"""Local folder source: a drop folder on the server (or a mounted share)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stations.sources.base import RemoteFile, waiting


@dataclass
class FolderSource:
    """Files under ``root`` (recursive, ``processed/`` skipped).

    ``after``: ``move`` (to ``root/processed/``), ``delete``, or ``keep`` (leave in place; the
    file hash makes later polls skip it).
    """

    id: str
    root: Path
    after: str = "move"
    processed_dir: str = "processed"

    @contextmanager
    def session(self) -> Iterator[FolderSource]:
        """Nothing to open for a local folder."""
        yield self

    def list(self) -> list[RemoteFile]:
        """Files waiting, sorted by name."""
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel_dir = Path(dirpath).relative_to(self.root)
            if rel_dir == Path("."):
                dirnames[:] = [d for d in dirnames if d != self.processed_dir]
            for name in filenames:
                if waiting(name):
                    out.append(RemoteFile(path=str(rel_dir / name), name=name))
        return sorted(out, key=lambda f: (f.name, f.path))

    def fetch(self, f: RemoteFile) -> bytes:
        """Read one file."""
        return (self.root / f.path).read_bytes()

    def finish(self, f: RemoteFile) -> None:
        """Move, delete or keep, after commit."""
        src = self.root / f.path
        if self.after == "delete":
            src.unlink(missing_ok=True)
        elif self.after == "move":
            dst = self.root / self.processed_dir / f.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
