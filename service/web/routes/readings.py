"""``GET /api/stations/{id}/readings``: a station's readings, raw or as hourly/daily means."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response

from service.web import readings_table
from service.web.cpu_slots import CPU_SLOTS
from service.web.deps import ConnDep, RuntimeDep, SettingsDep
from service.web.json_answer import accepts_gzip, json_answer
from service.web.readings_paging import decode_cursor, encode_cursor, page_limit
from service.web.routes.answers import ReadingsAnswer
from stations.errors import InvalidRequest, UnknownStation
from stations.parameters import catalogue
from stations.parsers.aliases import alias_tables
from stations.qc import INVALID_MASK, flag_names
from stations.store.conflicts import count_conflicts
from stations.store.data_version import readings_version
from stations.store.format_notes import notes_of_files
from stations.store.readings import read_series
from stations.store.series import read_raw_page
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


class _Labels:
    """Per-answer memo of time strings and flag names: the series of one station share their
    timestamps and nearly all points share a flag value, so each is computed once."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.times: dict[int, str] = {}
        self.flags: dict[int, list[str]] = {}

    def time(self, t: int) -> str:
        iso = self.times.get(t)
        if iso is None:
            iso = self.times[t] = epoch_to_local_iso(t, self.tz)
        return iso

    def flag_names(self, flags: int) -> list[str]:
        names = self.flags.get(flags)
        if names is None:
            names = self.flags[flags] = flag_names(flags)
        return names


def _raw_points(
    rows: list[tuple[Any, ...]], labels: _Labels, notes: dict[int, str]
) -> list[dict[str, Any]]:
    """Raw points, with ``notes`` when a reading's file deviated from the canonical form."""
    out = []
    for t, value, _unit, status, flags, file_id in rows:
        point = {
            "time": labels.time(t),
            "value": value,
            "status": status,
            "qc_flags": flags,
            "flags": labels.flag_names(flags),
            "valid": not flags & INVALID_MASK,
        }
        if notes and file_id in notes:
            point["notes"] = notes[file_id]
        out.append(point)
    return out


def _mean_points(interval: str, rows: list[tuple[Any, ...]], labels: _Labels) -> list[Any]:
    out = []
    for row in rows:
        point = {
            "time": labels.time(row[0]),
            "mean": row[1],
            "min": row[2],
            "max": row[3],
            "n_valid": row[4],
            "n_total": row[5],
        }
        if interval == "day":
            point["hours"] = row[7]
        out.append(point)
    return out


@router.get(
    "/stations/{station_id}/readings",
    summary="Readings of one station (raw/hour/day)",
    responses={200: {"model": ReadingsAnswer}},
)
def station_readings(
    station_id: str,
    request: Request,
    conn: ConnDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    parameter: str | None = None,
    start: str | None = None,
    end: str | None = None,
    interval: str = "raw",
    format: str = "json",
    limit: str | None = None,
    cursor: str | None = None,
) -> Any:
    """Series per parameter with units; raw points carry status and QC flags.

    ``parameter``: one code or a comma list (default: all of the station's); ``start``/``end``:
    ISO 8601 (default: the last day for raw, 7 days for hour, 90 days for day);
    ``interval``: raw | hour | day (days are local calendar days); ``format``: json (default),
    or csv | xlsx for a table to download (Vietnamese headers, units, local times).
    JSON raw answers are paged: at most ``limit`` readings (default 10,000, at most 50,000)
    and, when more remain, ``next`` (this request with ``cursor``); answers over 1 KB are
    gzip-compressed for clients that accept it.
    """
    if format not in ("json", *readings_table.MEDIA_TYPES):
        raise InvalidRequest(f"format phải là / must be json, csv or xlsx; got {format[:20]!r}")
    key = None
    if format == "json":
        # The same question over the same data has the same answer: the request as sent
        # (its host for the `next` link; the clock when a default window depends on it), the
        # encoding asked for, and the data version read now (any new file changes it).
        key = (
            str(request.url),
            None if start and end else now_epoch(),
            accepts_gzip(request.headers.get("accept-encoding")),
            readings_version(conn),
        )
        kept = runtime.readings_answers.get(key)
        if kept is not None:
            return Response(kept[0], media_type="application/json", headers=kept[1])
    with CPU_SLOTS:
        answer = _answer(request, conn, settings, station_id, parameter, start, end, interval,
                         format, limit, cursor)  # fmt: skip
    if key is not None:
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-length"}
        runtime.readings_answers.put(key, bytes(answer.body), headers)
    return answer


def _answer(
    request: Request,
    conn: Any,
    settings: Any,
    station_id: str,
    parameter: str | None,
    start: str | None,
    end: str | None,
    interval: str,
    format: str,
    limit: str | None,
    cursor: str | None,
) -> Response:
    if format != "json":
        body = station_body(station_id, conn, settings, parameter, start, end, interval)
        return Response(
            readings_table.render(body, format),
            media_type=readings_table.MEDIA_TYPES[format],
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{readings_table.filename(body, format)}"'
                )
            },
        )
    page = page_limit(limit) if interval == "raw" else None
    after = decode_cursor(cursor) if interval == "raw" else None
    body = station_body(
        station_id, conn, settings, parameter, start, end, interval, after=after, limit=page
    )
    if interval == "raw":
        nxt = body.pop("next_cursor", None)
        body["page_limit"] = page
        body["next"] = (
            str(request.url.include_query_params(cursor=encode_cursor(nxt))) if nxt else None
        )
    return json_answer(request, body)


def station_body(
    station_id: str,
    conn: Any,
    settings: Any,
    parameter: str | None,
    start: str | None,
    end: str | None,
    interval: str,
    *,
    after: tuple[str, int] | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """The readings answer as plain JSON types; raw rows after the key ``after``, at most
    ``limit`` of them (then ``next_cursor`` is the last row's key when more remain)."""
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
    next_cursor = None
    if interval == "raw":
        rows = read_raw_page(
            conn, station_id, params, start_s, end_s, after=after,
            limit=None if limit is None else limit + 1,
        )  # fmt: skip
        if limit is not None and len(rows) > limit:
            rows = rows[:limit]
            next_cursor = (rows[-1][0], rows[-1][1])
        data: dict[str, list[tuple[Any, ...]]] = {p: [] for p in params}
        for row in rows:
            data[row[0]].append(row[1:])
    else:
        data = read_series(conn, station_id, params, start_s, end_s, interval, offset)
    names = catalogue()
    labels = _Labels(tz)
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
                "points": (
                    _raw_points(rows, labels, file_notes)
                    if interval == "raw"
                    else _mean_points(interval, rows, labels)
                ),
            }
        )
    body = {
        "station_id": station_id,
        "interval": interval,
        "start": epoch_to_local_iso(start_s, tz),
        "end": epoch_to_local_iso(end_s, tz),
        "series": series,
        # resent values that disagreed with the stored ones (first kept; see docs/ingestion.md)
        "conflicts": count_conflicts(conn, station_id, params, start_s, end_s),
    }
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return body
