"""The id of a row just inserted (one place for SQLAlchemy's optional primary-key tuple)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult


def inserted_id(result: CursorResult[Any]) -> int:
    """The integer primary key of the row ``result`` inserted."""
    key = result.inserted_primary_key
    if key is None:  # only for statements that insert no single row
        raise ValueError("the statement inserted no row")
    return int(key[0])
