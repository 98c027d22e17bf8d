"""Atomic replacement and timestamped backups of the configuration files administrators edit."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from sqlalchemy import Connection, Engine

NEW_FILE_MODE = 0o600  # configuration may hold secrets (webhook URLs)


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    The temporary file is in the same folder (``os.replace`` is atomic only within one file
    system) and is flushed to disk first; the file keeps its permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else NEW_FILE_MODE
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def restore(path: Path, previous: bytes | None) -> None:
    """Put back what ``path`` held before (None: it did not exist)."""
    if previous is None:
        with suppress(FileNotFoundError):
            path.unlink()
    else:
        write_atomically(path, previous)


def backup_copy(path: Path, now: int) -> Path:
    """Copy ``path`` to ``<name>.<UTC time>.bak`` beside it; returns the copy's path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    target = path.with_name(f"{path.name}.{stamp}.bak")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{stamp}-{n}.bak")
        n += 1
    # Not copy2: a backup may hold webhook secrets, so it is 0600 whatever the original's mode.
    with (
        open(path, "rb") as src,
        os.fdopen(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb") as dst,
    ):
        shutil.copyfileobj(src, dst)
    shutil.copystat(path, target, follow_symlinks=True)
    os.chmod(target, 0o600)
    return target


def replace_with_audit(
    engine: Engine, path: Path, data: bytes, audit: Callable[[Connection], object]
) -> None:
    """Audit entry and file change together: ``audit(conn)`` writes its rows, the file is
    replaced last inside the transaction, and put back if the commit then fails."""
    previous = path.read_bytes() if path.exists() else None
    replaced = False
    try:
        with engine.begin() as conn:
            audit(conn)
            write_atomically(path, data)
            replaced = True
    except BaseException:
        if replaced:
            restore(path, previous)
        raise
