"""Bounded request parameters, declared once and reused by every route.

A database id is a signed 64-bit integer on both backends: a larger number in a path or query
overflowed inside the driver (a 500); it is a 422 here. Times are bounded in
:func:`stations.timeutil.parse_iso_time` (years 1900..2200).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**63 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="database id (1..2^63-1)")]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="database id (1..2^63-1)")]
