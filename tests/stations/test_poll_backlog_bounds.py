"""The poll loop's backlog bounds (stations/sources/base.py ``poll``): a backlog batch is closed
by its file count, its bytes, or the time its fetching took, and only a poll that finds more
files than ``batch_files`` uses them. A real folder source; the clock is a counter so that the
time bound is exact."""

from __future__ import annotations

from itertools import count
from pathlib import Path

import pytest

from stations.sources.base import Backlog, Fetched, poll
from stations.sources.folder import FolderSource


def _drop(root: Path, n: int, size: int = 10) -> FolderSource:
    for i in range(n):
        (root / f"S_{i:03d}.txt").write_bytes(b"x" * size)
    return FolderSource(id="drop", root=root)


def _batches(source: FolderSource, batch_files: int, backlog: Backlog | None) -> list[int]:
    sizes: list[int] = []

    def handle(batch: list[Fetched]) -> None:
        sizes.append(len(batch))

    clock = count()  # one second per reading of the clock: once per batch and per file
    poll(source, handle, batch_files=batch_files, backlog=backlog, clock=lambda: next(clock))
    return sizes


@pytest.mark.parametrize(
    ("waiting", "backlog", "expected"),
    [
        (10, None, [2, 2, 2, 2, 2]),  # no backlog bounds: the source's batches
        (2, Backlog(100, 10**9, 60), [2]),  # not more than batch_files: not a backlog
        (10, Backlog(100, 10**9, 60), [10]),  # a backlog: one batch
        (10, Backlog(4, 10**9, 60), [4, 4, 2]),  # its file bound
        (10, Backlog(100, 30, 60), [3, 3, 3, 1]),  # bytes: closed by the file reaching 30
        (10, Backlog(100, 10**9, 3), [3, 3, 3, 1]),  # 3 s of fetching
    ],
)
def test_backlog_batches(
    tmp_path: Path, waiting: int, backlog: Backlog | None, expected: list[int]
) -> None:
    source = _drop(tmp_path, waiting)
    assert _batches(source, 2, backlog) == expected
    assert not list(tmp_path.glob("*.txt"))  # every file finished after its commit
