"""Importing hazard zones: vector files and class/depth rasters, all or nothing.

A zone source is one imported file; re-importing under the same id replaces it. Each zone gets
a level 1..5 from its source value through a :class:`~layers.levels.LevelMap`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from layers import revision
from layers.errors import RowError, ZoneImportRejected
from layers.levels import LevelMap
from layers.vector_io import check_polygons, read_vector
from layers.zones_store import geometry_columns, replace_zone_source

HAZARDS = ("landslide", "flood")
RASTER_SUFFIXES = (".tif", ".tiff")
# Attribute names tried, in order, when no --level-field is given.
LEVEL_FIELD_GUESSES = ("level", "muc", "mức", "cap", "cấp", "class", "susceptibility", "gridcode")
NAME_FIELD_GUESSES = ("name", "ten", "tên", "Name", "NAME", "TEN")


@dataclass(slots=True)
class ZoneImportReport:
    """What an import did: the source id, zones per level, repaired features, raster id."""

    source_id: str
    hazard: str
    source_crs: str
    zones_by_level: dict[int, int]
    repaired: list[str] = field(default_factory=list)
    raster: str | None = None


def slugify(text: str) -> str:
    """An ASCII, URL-safe id from a file name (``Vùng sạt lở 2024`` -> ``vung-sat-lo-2024``)."""
    norm = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_ = "".join(c for c in norm if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:60] or "zones"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (kept with the source as evidence of what was imported)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pick_field(columns: list[str], wanted: str | None, guesses: tuple[str, ...]) -> str | None:
    if wanted:
        return wanted if wanted in columns else None
    lowered = {c.lower(): c for c in columns}
    return next((lowered[g.lower()] for g in guesses if g.lower() in lowered), None)


def plan_vector_zones(
    path: Path, hazard: str, level_field: str | None, level_map: LevelMap
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """Read and check a vector zone file: (source CRS, zone rows, repaired-feature notes)."""
    frame = read_vector(path)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    field_ = _pick_field(columns, level_field, LEVEL_FIELD_GUESSES)
    if field_ is None:
        asked = f"'{level_field}' " if level_field else ""
        raise ZoneImportRejected.whole_file(
            path.name,
            f"không có trường mức {asked}/ level field {asked}not found; "
            f"give --level-field, one of: {', '.join(columns) or '(no attributes)'}",
        )
    # KML always has a "Name" column, often empty when the name is in an extended field.
    filled = [c for c in columns if frame[c].astype(str).str.strip().replace("None", "").any()]
    name_field = _pick_field(filled, None, NAME_FIELD_GUESSES)
    layer = check_polygons(frame, path.name, name_field=name_field)
    errors: list[RowError] = []
    rows: list[dict[str, Any]] = []
    for feat in layer.features:
        value = feat.attributes.get(field_)
        level = level_map.level_of(value)
        if level is None and level_map.no_zone(value):
            continue  # below the first break: no zone, as in a depth raster
        if level is None:
            name = feat.attributes.get(name_field) if name_field else None
            label = f"feature {feat.row}" + (f" ('{name}')" if name else "")
            errors.append(
                RowError(
                    feat.row,
                    field_,
                    f"{label}: giá trị '{value}' không ánh xạ được sang mức 1..5 / value "
                    f"'{value}' maps to no level (use --level-map)",
                )
            )
            continue
        others = {k: v for k, v in feat.attributes.items() if k not in (field_, name_field)}
        rows.append(
            {
                "hazard": hazard,
                "level": level,
                "source_value": None if value is None else str(value),
                "name": feat.attributes.get(name_field) if name_field else None,
                "attributes": others,
                **geometry_columns(feat.geometry),
            }
        )
    if errors:
        raise ZoneImportRejected(path.name, errors)
    notes = [f"feature {r}: hình đã sửa / geometry repaired (make_valid)" for r in layer.repaired]
    return layer.source_crs, rows, notes


def import_zones(
    engine: Engine,
    path: Path,
    *,
    hazard: str,
    data_dir: Path,
    now: int,
    level_field: str | None = None,
    level_map: LevelMap | None = None,
    source_id: str | None = None,
    title: str | None = None,
    valid_from: int | None = None,
    synthetic: bool = False,
    simplify_m: float | None = None,
) -> ZoneImportReport:
    """Import a zone file (vector or GeoTIFF). Every check runs before anything is written;
    the database change is one transaction and a raster is moved into place only after it."""
    if hazard not in HAZARDS:
        raise ZoneImportRejected.whole_file(
            path.name, f"loại '{hazard}' không hợp lệ / kind must be one of {', '.join(HAZARDS)}"
        )
    level_map = level_map or LevelMap()
    source_id = source_id or slugify(f"{hazard}-{path.stem}")
    base = {
        "id": source_id,
        "hazard": hazard,
        "title": title or path.stem,
        "source_file": path.name,
        "sha256": sha256_of(path),
        "level_field": level_field,
        "level_map": level_map.as_json(),
        "valid_from": valid_from,
        "synthetic": synthetic,
        "imported_at": now,
    }
    if path.suffix.lower() in RASTER_SUFFIXES:
        from layers.rasters import plan_raster_zones

        plan = plan_raster_zones(path, hazard, level_map, simplify_m=simplify_m)
        staged = plan.stage(data_dir, source_id)
        try:
            with engine.begin() as conn:
                replace_zone_source(
                    conn,
                    {
                        **base,
                        "source_crs": plan.source_crs,
                        "raster_path": staged.final.relative_to(data_dir).as_posix(),
                        "simplify_m": plan.simplify_m,
                        "level_field": None,
                    },
                    plan.rows,
                )
                staged.commit()
        finally:
            staged.discard()
        revision.bump()
        return ZoneImportReport(
            source_id, hazard, plan.source_crs, _count(plan.rows), [], source_id
        )
    source_crs, rows, notes = plan_vector_zones(path, hazard, level_field, level_map)
    with engine.begin() as conn:
        replace_zone_source(
            conn,
            {**base, "source_crs": source_crs, "raster_path": None, "simplify_m": None},
            rows,
        )
    revision.bump()
    return ZoneImportReport(source_id, hazard, source_crs, _count(rows), notes)


def _count(rows: list[dict[str, Any]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for r in rows:
        out[r["level"]] = out.get(r["level"], 0) + 1
    return dict(sorted(out.items()))
