"""Read and validate a site registry file (CSV or YAML) into :class:`~stations.sites.Site` objects.

The file is all-or-nothing: every bad row is collected, and one :class:`ImportRejected` names
them all. Columns are documented in ``docs/stations-registry.md``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from stations.errors import ImportRejected, RowError
from stations.parameters import catalogue
from stations.sites import (
    DEFAULT_INTERVAL_MINUTES,
    MEDIUM_OF_KIND,
    POINT_MEDIA,
    STATION_KINDS,
    Permit,
    Site,
    in_vietnam,
)
from stations.textfile import csv_delimiter, csv_error, decode_text, yaml_error

REQUIRED_COLUMNS = ("id", "name", "kind", "lon", "lat", "facility", "commune", "parameters")
POINT_REQUIRED_COLUMNS = ("id", "name", "medium", "lon", "lat", "commune")
COEFFICIENTS = ("kq", "kf", "kp", "kv", "k")
SOURCE_TYPES = ("ftp", "folder", "http", "none")
BASES = ("1h", "24h")
APPLICABILITY_DATES = ("operating_since", "eia_approved_on", "permit_date")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_TRUE = {"1", "true", "yes", "y", "có", "co", "x"}
_FALSE = {"0", "false", "no", "n", "không", "khong", ""}


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a CSV or YAML file (a list, or ``{stations: [...]}``), in UTF-8 or a Windows
    code page (:func:`stations.textfile.decode_text`); syntax errors name their line."""
    text = decode_text(path.read_bytes(), str(path)).text
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise yaml_error(exc, str(path)) from exc
        if isinstance(data, Mapping):
            data = data.get("stations", data.get("points", data.get("sites")))
        if not isinstance(data, list) or not all(isinstance(r, Mapping) for r in data):
            raise ImportRejected(
                str(path),
                [RowError(1, "-", "YAML must be a list of mappings (or stations: [...])")],
            )
        return [dict(r) for r in data]
    reader = csv.DictReader(io.StringIO(text), delimiter=csv_delimiter(text))
    try:
        return [dict(r) for r in reader]
    except csv.Error as exc:
        raise csv_error(exc, reader.line_num, str(path)) from exc


class _Row:
    """Helpers that read one row's cells and record errors instead of raising."""

    def __init__(self, number: int, data: Mapping[str, Any], errors: list[RowError]) -> None:
        self.number = number
        self.data = {str(k).strip().lower(): v for k, v in data.items() if k is not None}
        self.errors = errors

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))

    def text(self, column: str, *, required: bool = False) -> str | None:
        value = self.data.get(column)
        text = "" if value is None else str(value).strip()
        if not text:
            if required:
                self.error(column, "trống / empty")
            return None
        return text

    def number_(self, column: str, *, required: bool = False) -> float | None:
        text = self.text(column, required=required)
        if text is None:
            return None
        try:
            return float(text.replace(",", "."))
        except ValueError:
            self.error(column, f"không phải số / not a number: {text!r}")
            return None

    def day(self, column: str) -> date | None:
        value = self.data.get(column)
        if isinstance(value, date):
            return value
        text = self.text(column)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(column, f"ngày phải là YYYY-MM-DD / expected YYYY-MM-DD, got {text!r}")
            return None

    def flag(self, column: str, default: bool) -> bool:
        value = self.data.get(column)
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if not text:
            return default
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.error(column, f"expected yes/no, got {text!r}")
        return default


def _parse_parameters(row: _Row, kind: str) -> dict[str, str]:
    value = row.data.get("parameters")
    items: Iterable[Any]
    if isinstance(value, list):
        items = value
    else:
        text = row.text("parameters", required=True) or ""
        items = [p for p in re.split(r"[;|]", text) if p.strip()]
    known = catalogue()
    out: dict[str, str] = {}
    for item in items:
        code, _, unit = str(item).strip().partition(":")
        code = code.strip()
        if code not in known:
            row.error(
                "parameters", f"thông số không có trong danh mục / unknown parameter {code!r}"
            )
            continue
        out[code] = unit.strip() or known[code].unit_for(kind)
    if not out and not row.errors:
        row.error("parameters", "cần ít nhất một thông số / at least one parameter")
    return out


def _parse_limits(row: _Row) -> dict[str, Any]:
    value = row.data.get("limits")
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        text = row.text("limits") or ""
        pairs = []
        for part in (p for p in text.split(";") if p.strip()):
            code, sep, val = part.partition("=")
            if not sep:
                row.error("limits", f"expected PARAM=VALUE, got {part.strip()!r}")
                continue
            pairs.append((code.strip(), val.strip()))
    limits: dict[str, Any] = {}
    for code, val in pairs:
        if str(code) not in catalogue():
            row.error("limits", f"unknown parameter {code!r}")
            continue
        try:
            if isinstance(val, list | tuple):
                low, high = (float(v) for v in val)
                limits[str(code)] = [low, high]
            elif isinstance(val, str) and re.fullmatch(r"[\d.]+\s*-\s*[\d.]+", val):
                low_s, high_s = val.split("-")
                limits[str(code)] = [float(low_s), float(high_s)]
            else:
                limits[str(code)] = float(str(val).replace(",", "."))
        except (TypeError, ValueError):
            row.error("limits", f"bad limit for {code}: {val!r}")
    return limits


def _parse_permit(row: _Row, kind: str) -> Permit | None:
    coefficients = {c.capitalize(): v for c in COEFFICIENTS if (v := row.number_(c)) is not None}
    regulation = row.text("regulation")
    column = row.text("column")
    limits = _parse_limits(row)
    o2_ref = row.number_("o2_ref")
    if o2_ref is not None and not 0 <= o2_ref < 21:
        row.error("o2_ref", f"reference O2 must be between 0 and 21 %, got {o2_ref}")
    basis = (row.text("basis") or "1h").lower()
    if basis not in BASES:
        row.error("basis", f"comparison basis must be one of {', '.join(BASES)}, got {basis!r}")
    dates = {c: row.day(c) for c in APPLICABILITY_DATES}
    if kind == "air" or not (regulation or limits or coefficients or o2_ref is not None):
        return None
    return Permit(
        **dates,
        regulation=regulation,
        column_class=column.upper() if column else None,
        coefficients=coefficients,
        limits=limits,
        o2_ref=o2_ref,
        basis=basis,
    )


def _parse_polling(row: _Row) -> dict[str, Any]:
    source = (row.text("source") or "ftp").lower()
    if source not in SOURCE_TYPES:
        row.error("source", f"expected one of {', '.join(SOURCE_TYPES)}, got {source!r}")
    interval = row.number_("interval_minutes")
    if interval is not None and interval <= 0:
        row.error("interval_minutes", "must be positive")
    return {
        "source": source,
        "source_path": row.text("source_path"),
        "interval_minutes": interval or DEFAULT_INTERVAL_MINUTES,
    }


def _check_common(row: _Row, seen: dict[str, int]) -> tuple[str, str, float, float]:
    site_id = row.text("id", required=True) or ""
    if site_id and not _ID.match(site_id):
        row.error("id", f"id may hold letters, digits, _ . - only: {site_id!r}")
    elif site_id in seen:
        row.error("id", f"trùng mã / duplicate id {site_id!r} (first at row {seen[site_id]})")
    elif site_id:
        seen[site_id] = row.number
    name = row.text("name", required=True) or ""
    lon = row.number_("lon", required=True)
    lat = row.number_("lat", required=True)
    if lon is not None and lat is not None and not in_vietnam(lon, lat):
        row.error("lon/lat", _outside_vietnam(lon, lat))
    return site_id, name, lon or 0.0, lat or 0.0


def _outside_vietnam(lon: float, lat: float) -> str:
    """Why a position is outside Vietnam, with the likely fix (swapped or projected)."""
    if in_vietnam(lat, lon):
        hint = "Sửa: đổi chỗ lon và lat / Fix: lon and lat are swapped"
    elif abs(lon) > 180 or abs(lat) > 90:
        hint = (
            "Sửa: đây là mét (VN-2000?), cần độ WGS 84 / Fix: these are metres (VN-2000?), "
            "give WGS 84 degrees"
        )
    else:
        hint = "Sửa: kiểm tra toạ độ, độ WGS 84 / Fix: check the position, WGS 84 degrees"
    return f"({lon}, {lat}) nằm ngoài Việt Nam / is outside Vietnam. {hint}"


def _missing_hint(column: str, keys: set[str]) -> str:
    """'missing column' with the closest column the file has, as a rename to make."""
    close = difflib.get_close_matches(column, sorted(keys), n=1, cutoff=0.5)
    if close:
        return (
            f"thiếu cột; đổi tên cột '{close[0]}' thành '{column}' / missing column: rename "
            f"'{close[0]}' to '{column}'"
        )
    return f"thiếu cột, thêm cột '{column}' / missing column: add a '{column}' column"


def _missing_columns(rows: list[dict[str, Any]], required: tuple[str, ...]) -> list[RowError]:
    errors = []
    for number, raw in enumerate(rows, start=2):
        keys = {str(k).strip().lower() for k in raw if k is not None}
        errors += [RowError(number, c, _missing_hint(c, keys)) for c in required if c not in keys]
    return errors


def _parse_all(
    rows: list[dict[str, Any]],
    source: str,
    required: tuple[str, ...],
    build: Callable[[_Row, str, str, float, float], Site],
) -> list[Site]:
    """Check columns, then build every row, collecting all errors; all or nothing."""
    errors = _missing_columns(rows, required)
    if not rows:
        errors.append(RowError(1, "-", "tệp không có dòng nào / the file has no rows"))
    if errors:
        raise ImportRejected(source, errors)
    sites: list[Site] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=2):
        row = _Row(number, raw, errors)
        site_id, name, lon, lat = _check_common(row, seen)
        sites.append(build(row, site_id, name, lon, lat))
    if errors:
        raise ImportRejected(source, errors)
    return sites


def _common_fields(row: _Row) -> dict[str, Any]:
    return {
        "commune": row.text("commune"),
        "district_former": row.text("district_former"),
        "facility": row.text("facility"),
        "active": row.flag("active", True),
        "synthetic": row.flag("synthetic", False),
    }


def _station(row: _Row, site_id: str, name: str, lon: float, lat: float) -> Site:
    kind = (row.text("kind", required=True) or "").lower()
    if kind and kind not in STATION_KINDS:
        row.error("kind", f"loại trạm phải là / kind must be one of {STATION_KINDS}: {kind!r}")
    return Site(
        id=site_id,
        name=name,
        site_type="station",
        kind=kind,
        medium=MEDIUM_OF_KIND.get(kind, ""),
        lon=lon,
        lat=lat,
        parameters=_parse_parameters(row, kind),
        permit=_parse_permit(row, kind),
        config={"polling": _parse_polling(row)},
        **_common_fields(row),
    )


def _point(row: _Row, site_id: str, name: str, lon: float, lat: float) -> Site:
    medium = (row.text("medium", required=True) or "").lower()
    if medium and medium not in POINT_MEDIA:
        row.error("medium", f"medium must be one of {POINT_MEDIA}: {medium!r}")
    water_class = (row.text("water_class") or "").upper() or None
    if water_class and water_class not in ("A", "B", "C", "D"):
        row.error("water_class", f"QCVN 08:2023 level must be A, B, C or D: {water_class!r}")
    extra: dict[str, Any] = {"water_class": water_class} if water_class else {}
    if desc := row.text("description"):
        extra["description"] = desc
    return Site(
        id=site_id,
        name=name,
        site_type="point",
        kind="point",
        medium=medium,
        lon=lon,
        lat=lat,
        config=extra,
        **_common_fields(row),
    )


def parse_stations(rows: list[dict[str, Any]], source: str = "<stations>") -> list[Site]:
    """Validate station rows; raise :class:`ImportRejected` naming every bad row and column."""
    return _parse_all(rows, source, REQUIRED_COLUMNS, _station)


def parse_points(rows: list[dict[str, Any]], source: str = "<points>") -> list[Site]:
    """Validate periodic monitoring point rows (``quantrac import points``), all or nothing."""
    return _parse_all(rows, source, POINT_REQUIRED_COLUMNS, _point)


def load_stations(path: Path) -> list[Site]:
    """Read and validate a station registry file."""
    return parse_stations(read_rows(path), str(path))


def load_points(path: Path) -> list[Site]:
    """Read and validate a monitoring-point file."""
    return parse_points(read_rows(path), str(path))
