"""One size limit for an incoming data file, checked before (not after) it is read whole.

A datalogger file is about 1 kB; anything larger than :data:`MAX_FILE_BYTES` is quarantined
unread as "file too large". Every reader — FTP, folder, HTTP sources, zip members and the CLI —
reads at most ``limit + 1`` bytes through these helpers, so a 300 MB upload costs at most
8 MB of memory, and the parser still sees that the file is too large.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

MAX_FILE_BYTES = 8 * 1024 * 1024
CHUNK = 64 * 1024


def read_capped(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The first ``limit + 1`` bytes of a file at most (more means "too large")."""
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def join_capped(chunks: Iterable[bytes], limit: int = MAX_FILE_BYTES) -> bytes:
    """Chunks joined until more than ``limit`` bytes arrived (then the rest is not read)."""
    buf = bytearray()
    for chunk in chunks:
        buf += chunk[: limit + 1 - len(buf)]
        if len(buf) > limit:
            break
    return bytes(buf)
