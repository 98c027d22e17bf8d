"""One stored (uncompressed) zip holding a polled batch's raw files: the live path's archive unit.

Creating a file costs a journal operation, and making it durable a flush of its own; a batch of
100 five-minute files paid 100 of each. A pack is one file written and flushed once. It is an
ordinary zip, so every reader of ``<zip>#<member>`` archive paths (quarantine replay,
forwarding, evidence) reads its members as they read a backfill's archived zips.

The zip is written here with ``struct`` (about a sixth of ``zipfile.ZipFile.writestr``'s time per
member: issue 20, a backlog batch of 5,000 files spent 50 ms packing), producing the very bytes
``zipfile`` writes for the same members; a pack too large for the classic zip records (zip64)
is left to ``zipfile``.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence

_STAMP = (2026, 1, 1, 0, 0, 0)  # a fixed member date: the bytes depend on content only
_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (_STAMP[0] - 1980) << 9 | _STAMP[1] << 5 | _STAMP[2]
_VERSION = 20  # zip 2.0: stored members, no zip64
_UNIX = 3  # "made by" system, as zipfile writes it on POSIX
_UTF8 = 0x800  # general purpose flag: the name is UTF-8
_MODE = 0o600 << 16  # external attributes: rw------- (zipfile's default for written bytes)
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_MAX_MEMBERS = 0xFFFF - 1  # beyond these the records need zip64
_MAX_OFFSET = 0x7FFFFFFF


def pack(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A stored zip of ``(name, bytes)`` members, the same bytes for the same members
    (zip64 records where the batch needs them)."""
    # zipfile switches to zip64 for a member over ~2 GB / 1.05, or 65,535 members, or offsets
    # past 2 GB: leave anything near those to it
    if len(members) > _MAX_MEMBERS or sum(len(d) for _, d in members) > _MAX_OFFSET // 2:
        return zipfile_pack(members)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in members:
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), _UTF8
        crc, size = zlib.crc32(data), len(data)
        head = (_VERSION, 0, flags, 0, _DOS_TIME, _DOS_DATE, crc, size, size, len(raw))
        out += (_LOCAL.pack(b"PK\x03\x04", *head, 0), raw, data)
        central += (
            _CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, *head, 0, 0, 0, 0, _MODE, offset),
            raw,
        )
        offset += _LOCAL.size + len(raw) + size
    directory = b"".join(central)
    if offset + len(directory) > _MAX_OFFSET:
        return zipfile_pack(members)
    n = len(members)
    end = _END.pack(b"PK\x05\x06", 0, 0, n, n, len(directory), offset, 0)
    return b"".join((*out, directory, end))


def zipfile_pack(members: Sequence[tuple[str, bytes]]) -> bytes:
    """The same zip written by the ``zipfile`` module (zip64 where needed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, _STAMP), data)
    return buf.getvalue()
