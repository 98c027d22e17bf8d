"""Paging of raw readings answers: the page size bound and the opaque cursor.

A cursor is the ``(parameter, observed_at)`` key of the last reading a page returned, in
URL-safe base64 so it survives any query string; the next page starts strictly after it
(keyset paging, stations/store/series.py).
"""

from __future__ import annotations

import base64
import binascii
import json

from stations.errors import InvalidRequest

PAGE_DEFAULT = 10_000
"""Raw readings per page unless ``limit`` says otherwise (≈ 4 days of 9 parameters at 5 min)."""
PAGE_MAX = 50_000
"""The largest ``limit`` a client may ask for: bounds the answer's memory (≈ 8 MB of JSON)."""


def page_limit(text: str | None) -> int:
    """``limit`` → readings per page; 400 unless a whole number in 1..PAGE_MAX."""
    if text is None or not text.strip():
        return PAGE_DEFAULT
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= PAGE_MAX:
        raise InvalidRequest(
            f"'limit' phải là số nguyên từ 1 đến {PAGE_MAX} / 'limit' must be a whole number "
            f"from 1 to {PAGE_MAX}; got {text[:20]!r}"
        )
    return value


def encode_cursor(key: tuple[str, int]) -> str:
    """The opaque cursor of a page's last ``(parameter, observed_at)``."""
    raw = json.dumps([key[0], int(key[1])], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(text: str | None) -> tuple[str, int] | None:
    """A cursor back to its key; None without one; 400 when it was not made by us."""
    if text is None or not text.strip():
        return None
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        parameter, observed_at = json.loads(raw.decode())
        if isinstance(parameter, str) and type(observed_at) is int:
            return parameter, observed_at
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        pass
    raise InvalidRequest(
        "'cursor' không hợp lệ: dùng liên kết 'next' của trang trước / 'cursor' is not valid: "
        "follow the previous page's 'next' link"
    )
