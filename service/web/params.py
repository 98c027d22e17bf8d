"""Bounded request parameters, declared once and reused by every route.

A database id is a signed 64-bit integer on both backends: a larger number in a path or query
overflowed inside the driver (a 500); ids are declared 1..2^53-1 (exact in any JSON client) and
anything else is a 422 here. Times are bounded in
:func:`stations.timeutil.parse_iso_time` (years 1900..2200).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

from stations.errors import InvalidRequest
from stations.timeutil import parse_iso_time

# 2^53 - 1: far above any row count, exact in every JSON client (a double), and below the
# signed 64-bit limit both backends share.
MAX_ID = 2**53 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="database id (1..2^53-1)")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="database id (1..2^53-1)")]

# ISO 8601 date or date-time; the offset's "+" may arrive as a space (an unencoded URL).
ISO_TIME = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+\- ]\d{2}(:?\d{2})?)?)?$"
TimeQuery = Annotated[
    str | None,
    Query(
        pattern=ISO_TIME,
        max_length=40,
        description="ISO 8601 (without offset: Vietnam time), years 1900..2200",
    ),
]


def epoch_of(text: str | None, name: str, tz: tzinfo) -> int | None:
    """Epoch seconds of a :data:`TimeQuery` value (None when absent); 400 when it names no
    real time (2026-02-30) or lies outside the bounded years."""
    if text is None or not text.strip():
        return None
    try:
        return parse_iso_time(text, tz)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InvalidRequest(
            f"'{name}' không hợp lệ / '{name}' is not a valid time: {text[:40]!r} ({exc})"
        ) from None


# An id inside a JSON body: an integer (not true/false, not "1"), in the database's range.
StrictId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
