"""Hazard rasters: classify a GeoTIFF into levels 1..5, keep it, and vectorise its classes.

Vectorising: ``rasterio.features.shapes`` (4-connected regions of one level), then
``shapely.coverage_simplify`` over all regions together, so neighbouring zones keep a shared
edge (no gaps or overlaps). The default tolerance is **half a pixel** (e.g. 50 m for a 100 m
raster): boundaries move less than the raster's own resolution. One zone per level is stored
(a MultiPolygon of its regions).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError

from layers.crs import describe, overlaps_province, transformer
from layers.errors import ZoneImportRejected
from layers.levels import LEVELS, LevelMap
from layers.zones_store import geometry_columns

RASTER_DIR = "rasters"
NODATA = 0
# A degree of latitude in metres, for tolerances on rasters in geographic coordinates.
_M_PER_DEGREE = 111_320.0


@dataclass(slots=True)
class StagedRaster:
    """Files written next to their final place; :meth:`commit` moves them in."""

    temp: list[tuple[Path, Path]]
    final: Path

    def commit(self) -> None:
        """Move the staged files to their final names (atomic on one file system)."""
        for tmp, dst in self.temp:
            os.replace(tmp, dst)
        self.temp = []

    def discard(self) -> None:
        """Remove staged files that were not committed."""
        for tmp, _dst in self.temp:
            tmp.unlink(missing_ok=True)
        self.temp = []


@dataclass(slots=True)
class RasterPlan:
    """A checked raster: its level grid, georeferencing and the vectorised zone rows."""

    source: Path
    source_crs: str
    levels: np.ndarray
    profile: dict[str, Any]
    rows: list[dict[str, Any]]
    simplify_m: float

    def stage(self, data_dir: Path, source_id: str) -> StagedRaster:
        """Write the level raster (tiled, with overviews and a colour table) and a copy of the
        original under ``data_dir/rasters`` with temporary names."""
        folder = data_dir / RASTER_DIR
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{source_id}.tif"
        original = folder / f"{source_id}.source{self.source.suffix.lower()}"
        tmp_levels = Path(tempfile.mkstemp(dir=folder, suffix=".tif.part")[1])
        tmp_source = Path(tempfile.mkstemp(dir=folder, suffix=".src.part")[1])
        staged = StagedRaster([(tmp_levels, final), (tmp_source, original)], final)
        try:
            write_level_raster(tmp_levels, self.levels, self.profile)
            shutil.copyfile(self.source, tmp_source)
        except Exception:
            staged.discard()
            raise
        return staged


def write_level_raster(path: Path, levels: np.ndarray, profile: dict[str, Any]) -> None:
    """A tiled, compressed uint8 GeoTIFF with overviews (mode) and the class colour table."""
    height, width = levels.shape
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="uint8",
        nodata=NODATA,
        crs=profile["crs"],
        transform=profile["transform"],
        tiled=True,
        blockxsize=256,
        blockysize=256,
        compress="deflate",
        photometric="palette",
    ) as dst:
        dst.write(levels, 1)
        dst.write_colormap(1, colour_table())
        factors = [f for f in (2, 4, 8, 16, 32, 64) if min(width, height) // f >= 64]
        if factors:
            dst.build_overviews(factors, Resampling.mode)
        dst.update_tags(
            TIFFTAG_DOCUMENTNAME="quantrac hazard levels 1..5", **profile.get("tags", {})
        )


def colour_table() -> dict[int, tuple[int, int, int, int]]:
    """Level -> RGBA, transparent for nodata (0)."""
    table = {NODATA: (0, 0, 0, 0)}
    for lv in LEVELS.values():
        rgb = lv.colour.lstrip("#")
        table[lv.value] = (int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), 255)
    return table


def classify(values: np.ndarray, valid: np.ndarray, level_map: LevelMap, source: str) -> np.ndarray:
    """Level grid (uint8, 0 = no data) from source values; rejects values the map misses."""
    levels = np.zeros(values.shape, dtype=np.uint8)
    if level_map.breaks:
        # digitize gives 0 below the first break: no zone (nodata), as LevelMap.break_level.
        bins = np.digitize(values[valid].astype("float64"), np.asarray(level_map.breaks))
        levels[valid] = bins.astype(np.uint8)
        return levels
    unmapped = []
    for value in np.unique(values[valid]):
        level = level_map.level_of(value.item())
        if level is None:
            unmapped.append(value.item())
            continue
        levels[valid & (values == value)] = level
    if unmapped:
        shown = ", ".join(str(v) for v in unmapped[:10])
        raise ZoneImportRejected.whole_file(
            source,
            f"giá trị điểm ảnh không ánh xạ được sang mức 1..5 / pixel values map to no level: "
            f"{shown}{' …' if len(unmapped) > 10 else ''} (use --level-map, e.g. "
            f"'1=5,2=4' or 'breaks:0.01,0.5,1,2,3' for depths in metres)",
        )
    return levels


def plan_raster_zones(
    path: Path, hazard: str, level_map: LevelMap, *, simplify_m: float | None = None
) -> RasterPlan:
    """Read, check and vectorise a class or depth raster (nothing is written)."""
    try:
        with rasterio.open(path) as src:
            crs, transform, nodata = src.crs, src.transform, src.nodata
            values = src.read(1)
            mask = src.read_masks(1) > 0
            tags = src.tags()
    except RasterioIOError as exc:
        raise ZoneImportRejected.whole_file(
            path.name, f"không đọc được GeoTIFF / cannot read the GeoTIFF: {exc}"
        ) from exc
    if crs is None:
        raise ZoneImportRejected.whole_file(
            path.name,
            "raster không có hệ toạ độ; không tự coi là WGS 84 / the raster has no CRS; "
            "it is not assumed to be WGS 84",
        )
    if transform.is_identity:
        raise ZoneImportRejected.whole_file(
            path.name, "raster không có toạ độ địa lý / the raster is not georeferenced"
        )
    valid = mask & np.isfinite(values) if values.dtype.kind == "f" else mask
    if nodata is not None:
        valid &= values != nodata
    levels = classify(values, valid, level_map, path.name)
    if not levels.any():
        below = " (mọi giá trị dưới ngưỡng đầu / every value is below the first break)"
        raise ZoneImportRejected.whole_file(
            path.name,
            "raster không có ô nào thuộc mức 1..5 / no pixel in levels 1..5"
            + (below if level_map.breaks and valid.any() else ""),
        )
    pixel = abs(transform.a)
    if crs.is_geographic:
        pixel_m = pixel * _M_PER_DEGREE
    else:
        pixel_m = pixel * crs.linear_units_factor[1]
    tol_m = pixel_m / 2 if simplify_m is None else simplify_m
    tol = tol_m * pixel / pixel_m
    rows = _vectorise(levels, transform, crs.to_wkt(), hazard, tol)
    bounds = tuple(shapely.total_bounds([shapely.from_wkb(r["wkb"]) for r in rows]))
    if not overlaps_province(bounds):  # type: ignore[arg-type]
        raise ZoneImportRejected.whole_file(
            path.name,
            f"đọc theo {describe(crs)}, raster nằm ngoài Lạng Sơn / read as {describe(crs)} the "
            "raster falls outside Lạng Sơn; is the CRS right?",
        )
    profile = {"crs": crs, "transform": transform, "tags": {k: v for k, v in tags.items() if k}}
    return RasterPlan(path, describe(crs), levels, profile, rows, round(tol_m, 3))


def _vectorise(
    levels: np.ndarray, transform: Any, crs_wkt: str, hazard: str, tolerance: float
) -> list[dict[str, Any]]:
    shapes = list(rasterio.features.shapes(levels, mask=levels > 0, transform=transform))
    polygons = [shapely.geometry.shape(geom) for geom, _ in shapes]
    values = np.array([int(v) for _, v in shapes])
    if tolerance > 0:
        polygons = list(shapely.coverage_simplify(np.array(polygons, dtype=object), tolerance))
    to_wgs84 = transformer(crs_wkt, "EPSG:4326")

    def reproject(xy: np.ndarray) -> np.ndarray:
        x, y = to_wgs84.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    rows = []
    for level in sorted(set(values.tolist())):
        parts = [p for p, v in zip(polygons, values, strict=True) if v == level and not p.is_empty]
        geom = shapely.transform(shapely.MultiPolygon(_flatten(parts)), reproject)
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        rows.append(
            {
                "hazard": hazard,
                "level": level,
                "source_value": str(level),
                "name": f"{LEVELS[level].label_vi} / {LEVELS[level].label_en}",
                "attributes": {"regions": len(parts)},
                **geometry_columns(geom),
            }
        )
    return rows


def _flatten(parts: list[Any]) -> list[Any]:
    out: list[Any] = []
    for p in parts:
        out.extend(p.geoms if p.geom_type == "MultiPolygon" else [p])
    return out
