"""Members of a zip archive read straight from its bytes (the backfill hot path).

:mod:`zipfile` builds a ``ZipInfo`` per member and opens each one through a file object, about
25 µs per member, and a year of 5-minute files for 13 stations is 1.4 million members. For the
common archive (one disk, every member stored uncompressed and unencrypted, below 4 GB; zip64
member counts are fine) this walks the central directory with :mod:`struct` and slices each
member out of the buffer, checking its CRC-32. Any other archive gives None and the caller
uses :mod:`zipfile`.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes
_CENTRAL = struct.Struct("<4s6H3L5H2L")  # central directory file header, 46 bytes
_LOCAL = struct.Struct("<4s5H3L2H")  # local file header, 30 bytes
_EOCD64_LOCATOR = struct.Struct("<4sLQL")  # 20 bytes, just before the EOCD record
_EOCD64 = struct.Struct("<4sQ2H2L4Q")  # 56 bytes
_ENCRYPTED, _UTF8 = 0x1, 0x800


def stored_members(data: bytes, limit: int) -> list[tuple[str, int, int, int]] | None:
    """``[(name, start, size, crc)]`` of every member, or None when :mod:`zipfile` must read
    the archive (several disks, prefixed data, zip64 sizes or offsets, a compressed or
    encrypted member).

    ``name`` is decoded as :mod:`zipfile` does (UTF-8 when flagged, else cp437; cut at NUL).
    ``size`` is at most ``limit + 1`` bytes.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    _sig, disk, cd_disk, _n_here, count, cd_size, cd_offset, _comment = _EOCD.unpack_from(data, end)
    cd_end = end
    if count == 0xFFFF or cd_size == 0xFFFFFFFF or cd_offset == 0xFFFFFFFF:  # zip64 counts
        if end < 20 + 56:
            return None
        sig, cd_disk64, record, disks = _EOCD64_LOCATOR.unpack_from(data, end - 20)
        if sig != b"PK\x06\x07" or cd_disk64 or disks > 1 or record + 56 > end - 20:
            return None
        (sig, _size, _made, _need, disk, cd_disk, _n_here, count, cd_size,
         cd_offset) = _EOCD64.unpack_from(data, record)  # fmt: skip
        if sig != b"PK\x06\x06":
            return None
        cd_end = record
    if disk or cd_disk or cd_offset + cd_size != cd_end:
        return None
    members = []
    pos = cd_offset
    for _ in range(count):
        if pos + 46 > cd_end:
            return None
        (sig, _made, _need, flags, method, _time, _date, crc, csize, _usize, n, m, k, _d, _ia, _ea,
         offset) = _CENTRAL.unpack_from(data, pos)  # fmt: skip
        if sig != b"PK\x01\x02" or method != zipfile.ZIP_STORED or flags & _ENCRYPTED:
            return None
        if csize == 0xFFFFFFFF or offset == 0xFFFFFFFF:
            return None
        raw = data[pos + 46 : pos + 46 + n]
        name = raw.decode("utf-8" if flags & _UTF8 else "cp437")
        name = name.split("\x00", 1)[0]
        pos += 46 + n + m + k
        if offset + 30 > len(data):
            return None
        local = _LOCAL.unpack_from(data, offset)
        if local[0] != b"PK\x03\x04":
            return None
        start = offset + 30 + local[9] + local[10]
        members.append((name, start, min(csize, limit + 1), crc if csize <= limit else -1))
    return members


def member_bytes(data: bytes, start: int, size: int, crc: int, name: str) -> bytes:
    """A stored member's bytes; raises ``zipfile.BadZipFile`` on a CRC mismatch."""
    content = data[start : start + size]
    if crc >= 0 and zlib.crc32(content) != crc:
        raise zipfile.BadZipFile(f"bad CRC-32 for member {name!r}")
    return content


def iter_members(data: bytes, limit: int) -> Iterator[tuple[str, bytes]] | None:
    """``(name, bytes)`` per member, or None (see :func:`stored_members`)."""
    members = stored_members(data, limit)
    if members is None:
        return None
    return (
        (name, member_bytes(data, start, size, crc, name)) for name, start, size, crc in members
    )
