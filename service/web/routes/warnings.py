"""Rain and warnings: ``/api/stations/{id}/rain``, ``/api/warnings`` (GeoJSON) and
``/api/warnings.cap`` (CAP 1.2). Thin: the chain lives in stations/rain and layers/warnings."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from layers.warnings import warnings_geojson
from layers.warnings_cap import warnings_cap
from service.web.deps import ConnDep, SettingsDep
from service.web.readings_window import parse_time
from stations.errors import InvalidRequest, UnknownStation
from stations.store.rain import intervals
from stations.store.sites import get_site
from stations.timeutil import epoch_to_local_iso, now_epoch

router = APIRouter(prefix="/api", tags=["warnings"])
DEFAULT_WINDOW = timedelta(days=1)
LONGEST = timedelta(days=31)
WINDOWS_H = (1, 3, 6, 24, 72)


def _interval(row: Any, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "time": epoch_to_local_iso(row.at, tz),
        "mm": row.mm,
        "no_data_reason": row.qc if row.mm is None else None,
        "sums_mm": {f"{h}h": getattr(row, f"r{h}h") for h in WINDOWS_H},
        "missing_intervals": {"1h": row.missing_1h, "24h": row.missing_24h, "72h": row.missing_72h},
        "antecedent_mm": {"1d": row.prior_1d, "2d": row.prior_2d},
        "prior_rain_days": row.prior_days,
        "prior_complete": row.prior_complete,
        "swi_mm": row.swi,
        "tanks_mm": [row.s1, row.s2, row.s3],
        "swi_complete": row.swi_complete,
    }


@router.get("/stations/{station_id}/rain", summary="Rain of one gauge: sums, antecedent, SWI")
def station_rain(
    station_id: str,
    conn: ConnDep,
    settings: SettingsDep,
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    """Per reporting interval: rain (None = no data, with the reason), rolling 1–72 h sums with
    their missing intervals, antecedent rain, prior rain days and the soil-water index.
    ``start``/``end``: ISO 8601 (default: the last day; at most 31 days)."""
    tz = ZoneInfo(settings.display_tz)
    site = get_site(conn, station_id)
    if site is None or site.kind != "rain":
        raise UnknownStation(station_id)
    end_s = parse_time(end, "end", tz) or now_epoch()
    start_s = parse_time(start, "start", tz) or end_s - int(DEFAULT_WINDOW.total_seconds())
    if start_s >= end_s:
        raise InvalidRequest("start phải trước end / start must be before end")
    if end_s - start_s > LONGEST.total_seconds():
        raise InvalidRequest(f"khoảng quá dài / range longer than {LONGEST.days} days")
    return {
        "station_id": station_id,
        "unit": "mm",
        "start": epoch_to_local_iso(start_s, tz),
        "end": epoch_to_local_iso(end_s, tz),
        "intervals": [_interval(r, tz) for r in intervals(conn, station_id, start_s, end_s)],
    }


@router.get("/warnings", summary="QĐ 18/2021 level per commune and zone (GeoJSON)")
def warnings(conn: ConnDep, settings: SettingsDep) -> Response:
    """The latest level of every commune and hazard zone with the rain behind it."""
    body = warnings_geojson(conn, ZoneInfo(settings.display_tz))
    return Response(
        json.dumps(body, ensure_ascii=False).encode(), media_type="application/geo+json"
    )


@router.get("/warnings.cap", summary="Current commune warnings as CAP 1.2 XML")
def warnings_cap_feed(conn: ConnDep, settings: SettingsDep) -> Response:
    """One CAP alert; two ``info`` blocks (vi-VN, en-US) per commune at level ≥ 1."""
    host = urlsplit(settings.base_url).hostname or "quantrac"
    body = warnings_cap(
        conn, sender=f"quantrac@{host}", base_url=settings.base_url, now=now_epoch()
    )
    return Response(body, media_type="application/cap+xml")
