"""One stored (uncompressed) zip holding a polled batch's raw files: the live path's archive unit.

Creating a file costs a journal operation, and making it durable a flush of its own; a batch of
100 five-minute files paid 100 of each. A pack is one file written and flushed once. It is an
ordinary zip, so every reader of ``<zip>#<member>`` archive paths (quarantine replay,
forwarding, evidence) reads its members as they read a backfill's archived zips.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

_STAMP = (2026, 1, 1, 0, 0, 0)  # a fixed member date: the bytes depend on content only


def pack(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A stored zip of ``(name, bytes)`` members, the same bytes for the same members
    (zip64 records where the batch needs them)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data)
    return buf.getvalue()
