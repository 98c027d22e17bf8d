"""One stored (uncompressed) zip holding a polled batch's raw files: the live path's archive unit.

Creating a file costs a journal operation, and making it durable a flush of its own; a batch of
100 five-minute files paid 100 of each. A pack is one file written and flushed once. It is an
ordinary zip, so every reader of ``<zip>#<member>`` archive paths (quarantine replay,
forwarding, evidence) reads its members as they read a backfill's archived zips.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence

_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory file header, 46 bytes
_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes
_DOS_DATE = (2026 - 1980) << 9 | 1 << 5 | 1  # a fixed stamp: the bytes depend on content only
_MAX_MEMBERS, _MAX_BYTES = 0xFFFE, 0xFFFF_0000  # beyond these a zip needs zip64 records


def pack(members: Sequence[tuple[str, bytes]]) -> bytes:
    """A stored zip of ``(name, bytes)`` members (ASCII names), the same bytes for the same
    members; :mod:`zipfile` writes it when the batch needs zip64 records."""
    if len(members) > _MAX_MEMBERS or sum(len(d) + 200 for _, d in members) > _MAX_BYTES:
        return _pack_zipfile(members)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data in members:
        raw_name = name.encode("ascii")
        crc, size = zlib.crc32(data), len(data)
        header = _LOCAL.pack(
            b"PK\x03\x04", 20, 0, zipfile.ZIP_STORED, 0, _DOS_DATE, crc, size, size,
            len(raw_name), 0,
        )  # fmt: skip
        entry = _CENTRAL.pack(
            b"PK\x01\x02", 20, 20, 0, zipfile.ZIP_STORED, 0, _DOS_DATE, crc, size, size,
            len(raw_name), 0, 0, 0, 0, 0o100644 << 16, offset,
        )  # fmt: skip
        central.append(entry + raw_name)
        out += (header, raw_name, data)
        offset += len(header) + len(raw_name) + size
    directory = b"".join(central)
    end = _EOCD.pack(
        b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), offset, 0
    )  # fmt: skip
    return b"".join((*out, directory, end))


def _pack_zipfile(members: Sequence[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()
