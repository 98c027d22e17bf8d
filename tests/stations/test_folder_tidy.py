"""A folder source removes the empty dated upload folders its polls leave behind, and nothing
else: not a folder with a file, not a recently touched one, not the root or ``processed/``."""

from __future__ import annotations

import os
from pathlib import Path

from stations.sources.folder import FolderSource

NOW = 1_790_000_000.0
DAY = 86_400


def _folder(root: Path, rel: str, files: tuple[str, ...] = ()) -> Path:
    path = root / rel
    path.mkdir(parents=True, exist_ok=True)
    for name in files:
        (path / name).write_bytes(b"x")
    return path


def _age(path: Path, age_s: float) -> None:
    os.utime(path, (NOW - age_s, NOW - age_s))


def test_tidy_removes_only_old_empty_subtrees(tmp_path: Path) -> None:
    root = tmp_path / "incoming"
    cases = {
        # relative folder: (age of every folder on its path, files, kept?)
        "LS_A_KK01/2026/01/01": (3 * DAY, (), False),
        "LS_B_KK01/2026/01/01": (3 * DAY, ("LS_B_KK01_20260101000000.txt",), True),
        "LS_C_KK01/2026/11/21": (60, (), True),  # today's folder: an upload may be on its way
        "processed/LS_D_KK01/2026/01/01": (3 * DAY, (), True),  # not ours to tidy
    }
    for rel, (_, files, _) in cases.items():
        _folder(root, rel, files)
    for rel, (age, _, _) in sorted(cases.items(), key=lambda kv: -len(kv[0])):
        parts = Path(rel).parts
        for i in range(len(parts), 0, -1):  # deepest first: utime on a parent after its child
            _age(root.joinpath(*parts[:i]), age)
    _age(root / "processed", 3 * DAY)
    removed = FolderSource("drop", root, after="delete").tidy(now=NOW)
    assert removed == 4  # LS_A_KK01 and its three dated levels
    for rel, (_, _, kept) in cases.items():
        assert (root / rel).is_dir() == kept, rel
    assert root.is_dir() and (root / "processed").is_dir()
    assert FolderSource("drop", root, after="delete").tidy(now=NOW) == 0  # nothing left to do


def test_poll_tidies_once_an_hour(tmp_path: Path) -> None:
    from stations.sources import base

    root = tmp_path / "drop"
    _folder(root, "LS_A_KK01/2026/01/01")
    source = FolderSource("tidy-test", root, after="delete", prune_after_s=0)  # any age
    base._tidied.pop("tidy-test", None)
    base.poll(source, lambda batch: None)
    assert not (root / "LS_A_KK01").exists()
    _folder(root, "LS_E_KK01/2026/01/02")
    base.poll(source, lambda batch: None)  # within the hour: not tidied again
    assert (root / "LS_E_KK01").exists()
