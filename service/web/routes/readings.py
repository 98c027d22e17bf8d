"""``GET /api/stations/{id}/readings``: a station's readings, raw or as hourly/daily means."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Response

from service.web import readings_table
from service.web.deps import ConnDep, SettingsDep
from service.web.routes.answers import ReadingsAnswer
from stations.errors import InvalidRequest, UnknownStation
from stations.parameters import catalogue
from stations.parsers.aliases import alias_tables
from stations.qc import INVALID_MASK, flag_names
from stations.store.conflicts import count_conflicts
from stations.store.format_notes import notes_of_files
from stations.store.readings import read_series
from stations.store.sites import get_site
from stations.timeutil import epoch_to_local_iso, now_epoch, parse_iso_time

router = APIRouter(prefix="/api", tags=["readings"])

# Default window and longest range per interval (a bound on response size).
WINDOWS = {
    "raw": (timedelta(days=1), timedelta(days=31)),
    "hour": (timedelta(days=7), timedelta(days=366)),
    "day": (timedelta(days=90), timedelta(days=3660)),
}


def parse_time(text: str | None, name: str, tz: ZoneInfo) -> int | None:
    """ISO 8601 (naive or date-only = display time zone) -> epoch seconds; 400 if malformed."""
    if text is None or not text.strip():
        return None
    try:
        return parse_iso_time(text, tz)
    except ValueError:
        raise InvalidRequest(
            f"'{name}' không hợp lệ / '{name}' must be ISO 8601, e.g. 2026-11-20T08:00:00+07:00; "
            f"got {text[:40]!r}"
        ) from None


def _parameters(text: str | None, configured: dict[str, str]) -> list[str]:
    if not text:
        return sorted(configured)
    out = []
    for item in text.split(","):
        code = alias_tables().parameter(item.strip(), lenient=True)
        if code is None:
            raise InvalidRequest(f"thông số lạ / unknown parameter {item.strip()[:40]!r}")
        out.append(code)
    return out


def _point(interval: str, row: tuple[Any, ...], tz: ZoneInfo) -> dict[str, Any]:
    if interval == "raw":
        t, value, _unit, status, flags, _file_id = row
        return {
            "time": epoch_to_local_iso(t, tz),
            "value": value,
            "status": status,
            "qc_flags": flags,
            "flags": flag_names(flags),
            "valid": not flags & INVALID_MASK,
        }
    point = {
        "time": epoch_to_local_iso(row[0], tz),
        "mean": row[1],
        "min": row[2],
        "max": row[3],
        "n_valid": row[4],
        "n_total": row[5],
    }
    if interval == "day":
        point["hours"] = row[7]
    return point


def _noted(point: dict[str, Any], row: tuple[Any, ...], notes: dict[int, str]) -> dict[str, Any]:
    """A raw point with ``notes`` when its file deviated from the canonical form."""
    if notes and row[5] in notes:
        point["notes"] = notes[row[5]]
    return point


@router.get(
    "/stations/{station_id}/readings",
    summary="Readings of one station (raw/hour/day)",
    responses={200: {"model": ReadingsAnswer}},
)
def station_readings(
    station_id: str,
    conn: ConnDep,
    settings: SettingsDep,
    parameter: str | None = None,
    start: str | None = None,
    end: str | None = None,
    interval: str = "raw",
    format: str = "json",
) -> Any:
    """Series per parameter with units; raw points carry status and QC flags.

    ``parameter``: one code or a comma list (default: all of the station's); ``start``/``end``:
    ISO 8601 (default: the last day for raw, 7 days for hour, 90 days for day);
    ``interval``: raw | hour | day (days are local calendar days); ``format``: json (default),
    or csv | xlsx for a table to download (Vietnamese headers, units, local times).
    """
    if format not in ("json", *readings_table.MEDIA_TYPES):
        raise InvalidRequest(f"format phải là / must be json, csv or xlsx; got {format[:20]!r}")
    body = station_body(station_id, conn, settings, parameter, start, end, interval)
    if format == "json":
        return body
    return Response(
        readings_table.render(body, format),
        media_type=readings_table.MEDIA_TYPES[format],
        headers={
            "Content-Disposition": f'attachment; filename="{readings_table.filename(body, format)}"'
        },
    )


def station_body(
    station_id: str,
    conn: Any,
    settings: Any,
    parameter: str | None,
    start: str | None,
    end: str | None,
    interval: str,
) -> dict[str, Any]:
    if interval not in WINDOWS:
        raise InvalidRequest(f"interval phải là / must be raw, hour or day; got {interval[:20]!r}")
    tz = ZoneInfo(settings.display_tz)
    site = get_site(conn, station_id)
    if site is None or site.site_type != "station":
        raise UnknownStation(station_id)
    default, longest = WINDOWS[interval]
    end_s = parse_time(end, "end", tz) or now_epoch()
    start_s = parse_time(start, "start", tz) or end_s - int(default.total_seconds())
    if start_s >= end_s:
        raise InvalidRequest("start phải trước end / start must be before end")
    if end_s - start_s > longest.total_seconds():
        raise InvalidRequest(
            f"khoảng quá dài / range longer than {longest.days} days for {interval}"
        )
    params = _parameters(parameter, site.parameters)
    offset = int(datetime.fromtimestamp(end_s, tz).utcoffset().total_seconds())  # type: ignore[union-attr]
    data = read_series(conn, station_id, params, start_s, end_s, interval, offset)
    names = catalogue()
    # How each raw reading's file deviated (unit conversions included), from the file record.
    file_notes = (
        notes_of_files(conn, {r[5] for rows in data.values() for r in rows if r[5] is not None})
        if interval == "raw"
        else {}
    )
    series = []
    for code in params:
        rows = data.get(code, [])
        unit = site.parameters.get(code) or (rows[0][2] if rows and interval == "raw" else None)
        series.append(
            {
                "parameter": code,
                "name_vi": names[code].name_vi if code in names else code,
                "name_en": names[code].name_en if code in names else code,
                "unit": unit or (names[code].unit_for(site.kind) if code in names else None),
                "points": [_noted(_point(interval, r, tz), r, file_notes) for r in rows],
            }
        )
    return {
        "station_id": station_id,
        "interval": interval,
        "start": epoch_to_local_iso(start_s, tz),
        "end": epoch_to_local_iso(end_s, tz),
        "series": series,
        # resent values that disagreed with the stored ones (first kept; see docs/ingestion.md)
        "conflicts": count_conflicts(conn, station_id, params, start_s, end_s),
    }
