"""Parsing and applying feature queries: bbox, datetime, equality filters, limit and offset.

Shared by OGC API items and exports, so both accept exactly the same filters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from layers.cql2 import Predicate, parse_filter
from layers.errors import BadQuery
from layers.ogc_crs import parse_ogc_crs, to_lonlat_bbox
from layers.registry import Collection

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# Parameters with a meaning of their own; any other must name a queryable property.
RESERVED = {"f", "limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "format"} | {
    "filter",
    "filter-lang",
    "filter-crs",
}


@dataclass(frozen=True, slots=True)
class FeatureQuery:
    """A parsed query. Times are UTC epoch seconds; open interval ends are ±inf."""

    bbox: tuple[float, float, float, float] | None = None
    interval: tuple[float, float] | None = None
    equals: dict[str, Any] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: str = "EPSG:4326"  # of the answer's coordinates (OGC API - Features Part 2)
    where: Predicate | None = None  # a CQL2 filter (Part 3), layers.cql2


def _int(name: str, raw: str, low: int) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadQuery(f"'{name}' phải là số nguyên / '{name}' must be an integer") from exc
    if value < low:
        raise BadQuery(f"'{name}' phải ≥ {low} / '{name}' must be >= {low}")
    return value


def parse_bbox(raw: str, crs: str | None = None) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` (or the 6-number 3D form) in CRS84, or in ``crs``
    (``bbox-crs``: VN-2000 metres, converted to the CRS84 envelope)."""
    code = "EPSG:4326" if crs and crs.strip() == "EPSG:4326" else parse_ogc_crs(crs, "bbox-crs")
    try:
        nums = [float(v) for v in raw.split(",")]
    except ValueError as exc:
        raise BadQuery("bbox phải là 4 số / bbox must be 4 comma-separated numbers") from exc
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or not all(math.isfinite(n) for n in nums):
        raise BadQuery("bbox phải là 4 số / bbox must be 4 comma-separated numbers")
    if code != "EPSG:4326" and len(nums) == 4 and nums[0] <= nums[2] and nums[1] <= nums[3]:
        nums = to_lonlat_bbox((nums[0], nums[1], nums[2], nums[3]), code)
    minx, miny, maxx, maxy = nums
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BadQuery("bbox ngoài phạm vi kinh/vĩ độ / bbox outside lon/lat range")
    if minx > maxx:
        raise BadQuery("bbox cắt kinh tuyến 180° không hỗ trợ / antimeridian bbox not supported")
    return (minx, miny, maxx, maxy)


def _instant(text: str, end: bool) -> float:
    if text in ("", ".."):
        return math.inf if end else -math.inf
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadQuery(
            f"datetime '{text}' không hợp lệ (RFC 3339) / invalid datetime (RFC 3339)"
        ) from exc
    if dt.tzinfo is None:
        if "T" in text:
            raise BadQuery(f"datetime '{text}' thiếu múi giờ / needs a time zone (Z or +07:00)")
        # A bare date means the whole day, in UTC as RFC 3339 dates do.
        dt = datetime.fromisoformat(text + "T00:00:00+00:00")
        return dt.timestamp() + (86_399 if end else 0)
    return dt.timestamp()


def parse_datetime(raw: str) -> tuple[float, float]:
    """An instant or an interval ``start/end`` with ``..`` for an open end."""
    if "/" in raw:
        start, _, end = raw.partition("/")
        lo, hi = _instant(start, False), _instant(end, True)
    else:
        lo, hi = _instant(raw, False), _instant(raw, True)
    if lo > hi:
        raise BadQuery("datetime: đầu sau cuối / interval start is after its end")
    return (lo, hi)


def _typed(name: str, prop_type: str, raw: str) -> Any:
    try:
        if prop_type == "integer":
            return int(raw)
        if prop_type == "number":
            return float(raw)
    except ValueError as exc:
        raise BadQuery(f"'{name}' phải là số / '{name}' must be a number") from exc
    if prop_type == "boolean":
        if raw.lower() not in ("true", "false"):
            raise BadQuery(f"'{name}' phải là true/false / '{name}' must be true or false")
        return raw.lower() == "true"
    return raw


def parse_query(collection: Collection, params: dict[str, str]) -> FeatureQuery:
    """Parse request parameters against ``collection``; unknown names are a 400."""
    unknown = [k for k in params if k not in RESERVED and k not in collection.queryables]
    if unknown:
        raise BadQuery(
            f"tham số không biết / unknown parameter(s) {', '.join(sorted(unknown))}; "
            f"filterable properties: {', '.join(collection.queryables)}"
        )
    crs = parse_ogc_crs(params.get("crs"))
    interval = None
    if params.get("datetime"):
        if collection.temporal is None:
            raise BadQuery(
                f"lớp '{collection.id}' không có thuộc tính thời gian / collection has no "
                "temporal property; datetime cannot be applied"
            )
        interval = parse_datetime(params["datetime"])
    return FeatureQuery(
        bbox=parse_bbox(params["bbox"], params.get("bbox-crs")) if params.get("bbox") else None,
        interval=interval,
        equals={
            k: _typed(k, collection.queryables[k].type, v)
            for k, v in params.items()
            if k in collection.queryables
        },
        limit=min(_int("limit", params["limit"], 1), MAX_LIMIT)
        if "limit" in params
        else DEFAULT_LIMIT,
        offset=_int("offset", params["offset"], 0) if "offset" in params else 0,
        crs=crs,
        where=_filter(collection, params),
    )


def _filter(collection: Collection, params: dict[str, str]) -> Predicate | None:
    if not params.get("filter"):
        return None
    if parse_ogc_crs(params.get("filter-crs"), "filter-crs") != "EPSG:4326":
        raise BadQuery("filter-crs: chỉ hỗ trợ CRS84 / only CRS84 geometries in a filter")
    return parse_filter(params["filter"], params.get("filter-lang"), set(collection.queryables))
