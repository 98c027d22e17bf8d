"""Local folder source: a drop folder on the server (or a mounted share)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from stations.sizes import read_capped
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
    # Dated upload folders (<Station>/yyyy/MM/dd) left empty once their files are taken are
    # removed when untouched this long, or every poll would walk years of them.
    prune_after_s: float = 86_400

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
        """Read one file (at most MAX_FILE_BYTES + 1: a bigger one is quarantined as such)."""
        return read_capped(self.root / f.path)

    def finish(self, f: RemoteFile) -> None:
        """Move, delete or keep, after commit."""
        src = self.root / f.path
        if self.after == "delete":
            src.unlink(missing_ok=True)
        elif self.after == "move":
            dst = self.root / self.processed_dir / f.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)

    def tidy(self, now: float | None = None) -> int:
        """Remove empty folders under ``root`` (never ``root`` or ``processed/``) whose whole
        subtree has been untouched for ``prune_after_s``; returns how many were removed.

        Ages are read before anything is removed (removing a child touches its parent), and a
        folder that gained a file meanwhile is kept: ``rmdir`` only removes empty folders.
        """
        now = time.time() if now is None else now
        old: dict[str, bool] = {}
        for dirpath, dirnames, _ in os.walk(self.root):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d != self.processed_dir]
            for d in dirnames:
                full = os.path.join(dirpath, d)
                try:
                    old[full] = now - os.stat(full).st_mtime >= self.prune_after_s
                except FileNotFoundError:
                    continue
        removed = 0
        for full in sorted(old, key=len, reverse=True):  # children before parents
            if not old[full]:
                continue
            try:
                os.rmdir(full)
                removed += 1
            except OSError:  # not empty (a file, or a child we kept), or already gone
                continue
        return removed
