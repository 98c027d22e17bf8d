"""Bounds on a laboratory results file, checked before anything is expanded.

A round has a few thousand results; a workbook is well under 1 MB. The bounds below are far
above any real file yet keep the memory of one import to tens of MB: an XLSX is a zip, and a
262 kB workbook whose shared strings expand to 256 MB was a 3.9 GB import (probe F2). Zip
members are checked by their declared sizes, which :mod:`zipfile` enforces while reading (it
never returns more than a member declares).
"""

from __future__ import annotations

import io
import zipfile

from stations.errors import ImportRejected, RowError

MAX_RESULTS_BYTES = 16 * 1024 * 1024  # the file as sent
MAX_ROWS = 20_000  # data rows
MAX_XLSX_MEMBER_BYTES = 32 * 1024 * 1024  # one part of the workbook, expanded
MAX_XLSX_EXPANDED_BYTES = 64 * 1024 * 1024  # all parts, expanded


def _reject(filename: str, message: str, row: int = 1) -> ImportRejected:
    return ImportRejected(filename, [RowError(row, "-", message)])


def check_size(data: bytes, filename: str) -> None:
    """ImportRejected when the file itself is too large."""
    if len(data) > MAX_RESULTS_BYTES:
        raise _reject(
            filename,
            f"tệp quá lớn / file too large: more than {MAX_RESULTS_BYTES // 2**20} MB "
            "(split it by round)",
        )


def check_xlsx_archive(data: bytes, filename: str) -> None:
    """ImportRejected when a workbook's parts would expand beyond the bounds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise _reject(filename, f"không đọc được XLSX / unreadable XLSX: {exc}") from exc
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_XLSX_MEMBER_BYTES or total > MAX_XLSX_EXPANDED_BYTES:
            raise _reject(
                filename,
                f"XLSX bung ra quá lớn / workbook expands too much: part {info.filename[:80]!r} "
                f"is {info.file_size} bytes unpacked (at most {MAX_XLSX_MEMBER_BYTES}, "
                f"{MAX_XLSX_EXPANDED_BYTES} in all)",
            )


def too_many_rows(filename: str, row: int) -> ImportRejected:
    """The error for a file with more than :data:`MAX_ROWS` data rows."""
    return _reject(
        filename,
        f"quá nhiều dòng / more than {MAX_ROWS} rows: split the file by round",
        row,
    )
