"""What one readings request reads: the validated window and its rows, before any encoding.

Read once by :func:`read_window`, then either turned into the documented dict
(:func:`window_body`: CSV/XLSX tables, the station page) or written straight to JSON bytes
(service/web/readings_json.py, the API's hot path); a test holds the two byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat
from typing import Any, cast
from zoneinfo import ZoneInfo

from stations.errors import InvalidRequest, UnknownStation
from stations.parameters import catalogue
from stations.parsers.aliases import alias_tables
from stations.qc import INVALID_MASK, flag_names
from stations.sites import Site
from stations.store.conflicts import count_conflicts
from stations.store.format_notes import notes_of_files
from stations.store.raw_columns import RawSeries, key_parts, read_raw_columns
from stations.store.readings import read_series
from stations.store.series import first_units
from stations.store.sites import get_site
from stations.timeutil import epoch_to_local_iso, now_epoch, parse_iso_time

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


def _site(conn: Any, station_id: str, kept: dict[str, tuple[int, Any]], revision: int) -> Any:
    """The site as read at registry ``revision``: every change of a site, its parameters or
    units bumps that counter in the same transaction (stations/store/revisions.py), so a kept
    site of the same revision is current. Only sites that exist are kept (bounded memory)."""
    found = kept.get(station_id)
    if found is not None and found[0] == revision:
        return found[1]
    site = get_site(conn, station_id)
    if site is not None:
        kept[station_id] = (revision, site)
    return site


@dataclass
class Window:
    """One readings request, read. Raw: ``columns[code]`` as read from the database, or
    ``rows[code]`` of ``(parameter, observed_at, value, status, qc_flags, file_id)`` (a window
    built by hand); hour ``rows[code]`` of ``(hour_start, mean, min, max, n_valid, n_total,
    unit)``; day the same plus ``hours``."""

    station_id: str
    interval: str
    start: int
    end: int
    tz: ZoneInfo
    site: Site
    params: list[str]
    rows: dict[str, list[tuple[Any, ...]]]
    units: dict[str, str]  # raw: each parameter's unit as stored with its first row
    notes: dict[int, str]  # raw: format notes of the files that deviated
    conflicts: int
    next_cursor: tuple[str, int] | None = None
    columns: dict[str, RawSeries] | None = None

    def series_rows(self, code: str) -> list[tuple[Any, ...]]:
        """A series' rows in the layout of ``rows`` (read from ``columns`` when set)."""
        if self.columns is None:
            return self.rows.get(code, [])
        got = self.columns.get(code)
        if got is None:
            return []
        statuses, flags = zip(*map(key_parts, got.keys), strict=True)
        return list(zip(repeat(code), got.stamps, got.values, statuses, flags, got.files))

    def heading(self, code: str) -> dict[str, Any]:
        """A series' ``parameter``, names and unit (site's unit, else stored, else catalogue)."""
        names = catalogue()
        known = names.get(code)
        unit = self.site.parameters.get(code) or self.units.get(code)
        return {
            "parameter": code,
            "name_vi": known.name_vi if known else code,
            "name_en": known.name_en if known else code,
            "unit": unit or (known.unit_for(self.site.kind) if known else None),
        }

    def envelope(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The answer's keys before ``series`` and after it, in the documented order."""
        head = {
            "station_id": self.station_id,
            "interval": self.interval,
            "start": epoch_to_local_iso(self.start, self.tz),
            "end": epoch_to_local_iso(self.end, self.tz),
        }
        # resent values that disagreed with the stored ones (first kept; docs/ingestion.md)
        return head, {"conflicts": self.conflicts}


def read_window(
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
    now: int | None = None,
    sites: tuple[dict[str, tuple[int, Any]], int] | None = None,
) -> Window:
    """Validate the request (400/404) and read its rows: raw rows after the key ``after``, at
    most ``limit`` of them (then ``next_cursor`` is the last row's key when more remain);
    ``now`` (default: the clock) ends a window given no ``end``; ``sites``: sites kept per
    process and the registry revision read in this request (see :func:`_site`)."""
    if interval not in WINDOWS:
        raise InvalidRequest(f"interval phải là / must be raw, hour or day; got {interval[:20]!r}")
    tz = ZoneInfo(settings.display_tz)
    site = get_site(conn, station_id) if sites is None else _site(conn, station_id, *sites)
    if site is None or site.site_type != "station":
        raise UnknownStation(station_id)
    default, longest = WINDOWS[interval]
    end_s = parse_time(end, "end", tz) or (now_epoch() if now is None else now)
    start_s = parse_time(start, "start", tz) or end_s - int(default.total_seconds())
    if start_s >= end_s:
        raise InvalidRequest("start phải trước end / start must be before end")
    if end_s - start_s > longest.total_seconds():
        raise InvalidRequest(
            f"khoảng quá dài / range longer than {longest.days} days for {interval}"
        )
    params = _parameters(parameter, site.parameters)
    next_cursor = None
    units: dict[str, str] = {}
    notes: dict[int, str] = {}
    columns = None
    rows: dict[str, list[tuple[Any, ...]]] = {}
    if interval == "raw":
        columns, next_cursor = read_raw_columns(
            conn, station_id, params, start_s, end_s, after=after, limit=limit
        )
        unset = {c: r.stamps[0] for c, r in columns.items() if not site.parameters.get(c)}
        units = first_units(conn, station_id, unset)
        # how each reading's file deviated (unit conversions included), from the file record
        found: set[int | None] = set()
        found.update(*(r.files for r in columns.values()))
        found.discard(None)  # readings without a file record
        notes = notes_of_files(conn, cast(set[int], found)) if found else {}
    else:
        offset = int(datetime.fromtimestamp(end_s, tz).utcoffset().total_seconds())  # type: ignore[union-attr]
        rows = read_series(conn, station_id, params, start_s, end_s, interval, offset)
    conflicts = count_conflicts(conn, station_id, params, start_s, end_s)
    return Window(
        station_id, interval, start_s, end_s, tz, site, params, rows, units, notes, conflicts,
        next_cursor, columns,
    )  # fmt: skip


def _raw_points(w: Window, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Raw points, with ``notes`` when a reading's file deviated from the canonical form."""
    out = []
    for _code, t, value, status, flags, file_id in rows:
        point = {
            "time": epoch_to_local_iso(t, w.tz),
            "value": value,
            "status": status,
            "qc_flags": flags,
            "flags": flag_names(flags),
            "valid": not flags & INVALID_MASK,
        }
        if file_id in w.notes:
            point["notes"] = w.notes[file_id]
        out.append(point)
    return out


def _mean_points(w: Window, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        point = {
            "time": epoch_to_local_iso(row[0], w.tz),
            "mean": row[1],
            "min": row[2],
            "max": row[3],
            "n_valid": row[4],
            "n_total": row[5],
        }
        if w.interval == "day":
            point["hours"] = row[7]
        out.append(point)
    return out


def window_body(w: Window) -> dict[str, Any]:
    """The readings answer as plain JSON types (``next_cursor`` when more raw rows remain)."""
    head, tail = w.envelope()
    points = _raw_points if w.interval == "raw" else _mean_points
    series = [{**w.heading(c), "points": points(w, w.series_rows(c))} for c in w.params]
    body = {**head, "series": series, **tail}
    if w.next_cursor is not None:
        body["next_cursor"] = w.next_cursor
    return body
