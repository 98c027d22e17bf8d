"""The bytes forwarded for a queued file: as received (default), or re-rendered canonically.

Raw bytes come from the archive (``ingested_files.archive_path``; a zip member is
``<zip path>#<member>``). The canonical form re-reads the file with every documented variant
accepted and writes the strict Circular 10/2021 layout (tab separated, CRLF, UTF-8 without BOM).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from stations.forward.transport import PermanentError
from stations.parsers import ParserOptions, parse
from stations.timeutil import VN_OFFSET, from_epoch

_TOLERANT = ParserOptions.lenient()


def raw_bytes(archive_path: str | None) -> bytes:
    """The received bytes; PermanentError when the archive lost them."""
    if not archive_path:
        raise PermanentError("no archived copy of the file")
    path = Path(archive_path)
    try:
        if not path.exists() and "#" in archive_path:
            zip_path, _, member = archive_path.rpartition("#")
            with zipfile.ZipFile(zip_path) as zf:
                return zf.read(member)
        return path.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise PermanentError(f"archived copy unreadable: {type(exc).__name__}") from exc


def canonical_bytes(data: bytes, name: str) -> bytes:
    """The file's readings in the strict layout (one line per reading, its own timestamp)."""
    parsed = parse(data, name, "auto", _TOLERANT)
    if parsed.fatal is not None or not parsed.readings:
        raise PermanentError(f"cannot re-render: {parsed.fatal or 'no readings'}")
    lines = []
    for r in parsed.readings:
        stamp = from_epoch(r.observed_at, VN_OFFSET).strftime("%Y%m%d%H%M%S")
        lines.append(f"{r.parameter}\t{r.value:g}\t{r.unit}\t{stamp}\t{r.status}\r\n")
    return "".join(lines).encode("utf-8")


def file_bytes(archive_path: str | None, name: str, content: str) -> bytes:
    """What a destination with this ``content`` setting receives for the file."""
    data = raw_bytes(archive_path)
    return canonical_bytes(data, name) if content == "canonical" else data
