"""Compliance routes: exceedance episodes, VN_AQI, per-station compliance summary (thin)."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from sqlalchemy import Engine

from service.settings import Settings
from service.web.cpu_slots import on_cpu_pool
from service.web.deps import ConnDep, RuntimeDep, SettingsDep
from service.web.routes.answers import ExceedancesAnswer
from stations.compliance.bands import band_label
from stations.compliance.summary import station_summary
from stations.errors import InvalidRequest, UnknownStation
from stations.store.compliance import aqi_series, list_episodes
from stations.store.dbapi import snapshot
from stations.store.sites import get_site
from stations.timeutil import epoch_to_local_iso, now_epoch, parse_iso_time

router = APIRouter(prefix="/api", tags=["compliance"])

AQI_METHOD = "VN_AQI — Quyết định 1459/QĐ-TCMT (12/11/2019)"
LOW_CONFIDENCE_NOTE = (
    "Có giới hạn độ tin cậy thấp hoặc áp dụng chuyển tiếp — cần đối chiếu văn bản gốc / "
    "some limits are of low confidence or applied under a transition — check the official text"
)
_TIME_KEYS = ("since", "opened_at", "closed_at", "last_period_end", "at")


def _parse_time(value: str | None, name: str, default: int, tz: tzinfo) -> int:
    """ISO 8601 date or date-time; a value without offset is local (display) time."""
    if value is None or not value.strip():
        return default
    try:
        return parse_iso_time(value, tz)
    except ValueError as exc:
        raise InvalidRequest(
            f"'{name}': thời gian không hợp lệ / not an ISO 8601 time: {value!r}"
        ) from exc


def _window(start: str | None, end: str | None, tz: tzinfo, default_span: int) -> tuple[int, int]:
    now = now_epoch()
    end_at = _parse_time(end, "end", now, tz)
    start_at = _parse_time(start, "start", end_at - default_span, tz)
    if start_at >= end_at:
        raise InvalidRequest("'start' phải trước 'end' / 'start' must be before 'end'")
    return start_at, end_at


def _iso(item: dict[str, Any], tz: tzinfo) -> dict[str, Any]:
    out = dict(item)
    for key in _TIME_KEYS:
        if isinstance(out.get(key), int):
            out[key] = epoch_to_local_iso(out[key], tz)
    return out


def _check_station(conn: ConnDep, station: str | None) -> None:
    if station is not None and get_site(conn, station) is None:
        raise UnknownStation(station)


@router.get(
    "/exceedances",
    summary="Exceedance episodes (Decree 45/2022 bands)",
    responses={200: {"model": ExceedancesAnswer}},
)
def exceedances(
    conn: ConnDep,
    settings: SettingsDep,
    station: str | None = None,
    start: str | None = Query(None, description="ISO 8601; default 30 days before end"),
    end: str | None = Query(None, description="ISO 8601; default now"),
    open_: bool | None = Query(None, alias="open", description="true: open only; false: closed"),
    near: bool = Query(False, description="include near-limit episodes"),
) -> dict[str, Any]:
    """Episodes overlapping [start, end), newest first; each says which rule applied."""
    tz = ZoneInfo(settings.display_tz)
    _check_station(conn, station)
    start_at, end_at = _window(start, end, tz, 30 * 86400)
    items = list_episodes(
        conn, station_id=station, start=start_at, end=end_at, open_only=open_, include_near=near
    )
    for item in items:
        item["band_label"] = band_label(item["band"]) if item["band"] is not None else None
    body: dict[str, Any] = {
        "start": epoch_to_local_iso(start_at, tz),
        "end": epoch_to_local_iso(end_at, tz),
        "count": len(items),
        "exceedances": [_iso(i, tz) for i in items],
    }
    if any(i["low_confidence"] for i in items):
        body["note"] = LOW_CONFIDENCE_NOTE
    return body


@router.get("/aqi", summary="VN_AQI per station, hourly (NowCast) or daily")
def aqi(
    conn: ConnDep,
    settings: SettingsDep,
    station: str | None = None,
    start: str | None = None,
    end: str | None = None,
    interval: str = Query("hour", description="hour | day"),
) -> dict[str, Any]:
    """Hourly or daily AQI rows with sub-indices, dominant parameter, category and colour."""
    if interval not in ("hour", "day"):
        raise InvalidRequest(f"'interval' phải là hour|day / must be hour or day: {interval!r}")
    tz = ZoneInfo(settings.display_tz)
    _check_station(conn, station)
    span = 86400 if interval == "hour" else 30 * 86400
    start_at, end_at = _window(start, end, tz, span)
    items = aqi_series(conn, station, start_at, end_at, interval)
    return {
        "interval": interval,
        "method": AQI_METHOD,
        "start": epoch_to_local_iso(start_at, tz),
        "end": epoch_to_local_iso(end_at, tz),
        "count": len(items),
        "items": [_iso(i, tz) for i in items],
    }


@router.get("/stations/{station_id}/compliance", summary="Compliance summary of one station")
async def compliance_summary(
    station_id: str,
    rt: RuntimeDep,
    start: str | None = None,
    end: str | None = None,
) -> dict[str, Any]:
    """% of periods compliant per parameter and averaging, data capture %, open episodes."""
    # One hop to the answers' pool for the whole summary (connection, reads, judgement), as
    # the readings API does: ten clients no longer park ten threads on a semaphore.
    return await on_cpu_pool(_summary, rt.engine, rt.settings, station_id, start, end)


def _summary(
    engine: Engine, settings: Settings, station_id: str, start: str | None, end: str | None
) -> dict[str, Any]:
    tz = ZoneInfo(settings.display_tz)
    # the summary's statements read one state, under one SQLite lock
    with engine.connect() as conn, snapshot(conn):
        site = get_site(conn, station_id)
        if site is None or site.site_type != "station":
            raise UnknownStation(station_id)
        start_at, end_at = _window(start, end, tz, 30 * 86400)
        near = float(getattr(settings, "compliance_near_fraction", 0.9))
        body = station_summary(conn, site, start_at, end_at, near_fraction=near)
    body["open_episodes"] = [_iso(e, tz) for e in body["open_episodes"]]
    body["start"] = epoch_to_local_iso(start_at, tz)
    body["end"] = epoch_to_local_iso(end_at, tz)
    if body["low_confidence"]:
        body["note"] = LOW_CONFIDENCE_NOTE
    return body
