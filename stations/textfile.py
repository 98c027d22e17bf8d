"""Text of files people save by hand: which encoding, and clear errors for YAML and CSV mistakes.

Excel and Notepad in Vietnamese offices save CSV as UTF-8 (with or without a byte-order mark),
as Windows-1258 (the Vietnamese Windows code page, which writes tones as combining marks) or as
Windows-1252. The bytes alone tell UTF-8 apart; between the two code pages, Vietnamese letters
(ă â đ ê ô ơ ư, tone marks) decide. Anything else is refused with the first bad byte's line.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from stations.errors import ImportRejected, RowError

log = logging.getLogger(__name__)

FIX_ENCODING = (
    "lưu lại dạng 'CSV UTF-8' (Excel: Lưu thành → CSV UTF-8) / save again as 'CSV UTF-8' "
    "(Excel: Save As → CSV UTF-8)"
)
# Letters and combining tone marks that only Vietnamese text has (decoded as Windows-1258).
_VIETNAMESE = set("ĂăĐđƠơƯư\u0300\u0301\u0303\u0309\u0323")


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A file's text (NFC) and the encoding it was read with."""

    text: str
    encoding: str


def decode_text(data: bytes, source: str) -> DecodedText:
    """Decode ``data`` as UTF-8 (BOM or not), Windows-1258 or Windows-1252, saying which."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = [("utf-8-sig", "UTF-8 (BOM)")]
    else:
        encodings = [("utf-8", "UTF-8"), ("cp1258", "Windows-1258"), ("cp1252", "Windows-1252")]
    decoded: dict[str, str] = {}
    failure: UnicodeDecodeError | None = None
    for codec, name in encodings:
        try:
            decoded[name] = data.decode(codec)
        except UnicodeDecodeError as exc:
            failure = failure or exc
            continue
        if name.startswith("UTF-8"):
            return DecodedText(unicodedata.normalize("NFC", decoded[name]), name)
    vietnamese = decoded.get("Windows-1258")
    if vietnamese is not None and (_VIETNAMESE & set(vietnamese) or "Windows-1252" not in decoded):
        name = "Windows-1258"
    elif "Windows-1252" in decoded:
        name = "Windows-1252"
    else:
        assert failure is not None
        line = data[: failure.start].count(b"\n") + 1
        byte = data[failure.start : failure.start + 1].hex()
        raise ImportRejected(
            source,
            [
                RowError(
                    line,
                    "-",
                    f"không phải UTF-8, Windows-1258 hay Windows-1252 (byte 0x{byte}); "
                    f"{FIX_ENCODING} / not UTF-8, Windows-1258 or Windows-1252 (byte 0x{byte})",
                )
            ],
        )
    log.warning("%s: không phải UTF-8, đọc theo %s / not UTF-8, read as %s", source, name, name)
    return DecodedText(unicodedata.normalize("NFC", decoded[name]), name)


def csv_delimiter(text: str) -> str:
    """``;`` when the header is split by semicolons (Excel with a Vietnamese or European list
    separator saves CSV so), else ``,``."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def yaml_error(exc: Any, source: str) -> ImportRejected:
    """An ImportRejected naming the line and column of a YAML syntax error, with a fix."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    where = f"cột {mark.column + 1} / column {mark.column + 1}: " if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ImportRejected(
        source,
        [
            RowError(
                line,
                "-",
                f"YAML sai cú pháp, {where}{problem}. Sửa: thụt lề bằng dấu cách, các khoá của "
                "một mục thẳng cột nhau / YAML syntax error. Fix: indent with spaces and align "
                "the keys of one item",
            )
        ],
    )


def csv_error(exc: Exception, line: int, source: str) -> ImportRejected:
    """An ImportRejected for a CSV the reader cannot split, with a fix."""
    return ImportRejected(
        source,
        [
            RowError(
                line,
                "-",
                f"CSV sai cú pháp ({exc}). Sửa: đóng dấu ngoặc kép, dùng dấu phẩy ngăn cột / "
                "CSV syntax error. Fix: close the quotes, separate columns with commas",
            )
        ],
    )
