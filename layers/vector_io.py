"""Reading vector files handed to us by the department: GPKG, Shapefile (plain or zipped),
GeoJSON and KML, with the checks every import shares (CRS declared, geometry repaired or
rejected with the feature named, coordinates inside the province)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

from layers.crs import describe, overlaps_province
from layers.errors import RowError, ZoneImportRejected

VECTOR_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".kml", ".zip", ".fgb")
_IN_ZIP = (".shp", ".gpkg", ".geojson", ".json", ".kml")


@dataclass(slots=True)
class CheckedFeature:
    """One feature that passed the checks: row number (from 1), attributes, EPSG:4326 polygon."""

    row: int
    attributes: dict[str, Any]
    geometry: BaseGeometry
    repaired: bool = False


@dataclass(slots=True)
class CheckedLayer:
    """What a vector file held, after the checks."""

    source_crs: str
    columns: list[str]
    features: list[CheckedFeature] = field(default_factory=list)

    @property
    def repaired(self) -> list[int]:
        """Row numbers of the features whose geometry was repaired."""
        return [f.row for f in self.features if f.repaired]


def _dataset_path(path: Path) -> str:
    """The path GDAL should open; a .zip must hold a Shapefile (or another vector file)."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX")]
    except zipfile.BadZipFile as exc:
        raise ZoneImportRejected.whole_file(
            path.name, "tệp zip hỏng / the zip file is damaged"
        ) from exc
    inner = sorted(n for n in names if n.lower().endswith(_IN_ZIP))
    if not inner:
        raise ZoneImportRejected.whole_file(
            path.name,
            "tệp zip không chứa .shp (hay tệp bản đồ nào) / the zip holds no .shp "
            f"(nor another vector file); it holds: {', '.join(names) or 'nothing'}",
        )
    shp = [n for n in inner if n.lower().endswith(".shp")]
    return f"/vsizip/{path}/{(shp or inner)[0]}"


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """Read every layer of ``path`` into one GeoDataFrame in the file's own CRS."""
    if path.suffix.lower() not in VECTOR_SUFFIXES:
        raise ZoneImportRejected.whole_file(
            path.name,
            f"định dạng '{path.suffix}' không hỗ trợ / unsupported format '{path.suffix}' "
            f"(GPKG, SHP, zipped SHP, GeoJSON, KML, GeoTIFF)",
        )
    source = _dataset_path(path)
    try:
        layer_names = [str(row[0]) for row in pyogrio.list_layers(source)]
        frames = [pyogrio.read_dataframe(source, layer=name) for name in layer_names]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ZoneImportRejected.whole_file(
            path.name, f"không đọc được tệp / cannot read the file: {exc}"
        ) from exc
    frames = [f for f in frames if len(f)]
    if not frames:
        raise ZoneImportRejected.whole_file(path.name, "tệp không có đối tượng / no features")
    crs = frames[0].crs
    if crs is None or any(f.crs != crs for f in frames):
        raise ZoneImportRejected.whole_file(
            path.name,
            "tệp không khai báo hệ toạ độ (thiếu .prj?); không tự coi là WGS 84 / the file "
            "declares no CRS (missing .prj?); it is not assumed to be WGS 84",
        )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def _label(row: int, attributes: dict[str, Any], name_field: str | None) -> str:
    name = attributes.get(name_field) if name_field else None
    return f"feature {row}" + (f" ('{name}')" if name else "")


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geom`` (make_valid may return a collection with lines)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def check_polygons(
    frame: gpd.GeoDataFrame, source: str, *, name_field: str | None = None
) -> CheckedLayer:
    """Repair or reject each feature's polygon, reproject to EPSG:4326 and check the extent.

    A self-intersecting polygon is repaired with ``shapely.make_valid`` (keeping its polygonal
    part); a feature with no geometry, a non-polygon or one whose repair leaves nothing is
    rejected with its number and name. Raises :class:`ZoneImportRejected` listing every problem.
    """
    crs_name = describe(frame.crs)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    wgs84 = frame.to_crs("EPSG:4326")
    errors: list[RowError] = []
    layer = CheckedLayer(source_crs=crs_name, columns=columns)
    for i, (geom, attrs) in enumerate(
        zip(wgs84.geometry, frame[columns].to_dict("records"), strict=True), start=1
    ):
        attrs = {k: (None if _is_missing(v) else _plain(v)) for k, v in attrs.items()}
        label = _label(i, attrs, name_field)
        if geom is None or geom.is_empty:
            errors.append(RowError(i, "geometry", f"{label}: không có hình / no geometry"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            errors.append(
                RowError(
                    i, "geometry", f"{label}: không phải vùng / not a polygon ({geom.geom_type})"
                )
            )
            continue
        repaired = False
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            geom = _polygonal(shapely.make_valid(geom))
            repaired = True
            if geom.is_empty or geom.area == 0:
                errors.append(
                    RowError(
                        i, "geometry", f"{label}: hình lỗi không sửa được / invalid ({reason})"
                    )
                )
                continue
        layer.features.append(CheckedFeature(i, attrs, geom, repaired))
    if errors:
        raise ZoneImportRejected(source, errors)
    bounds = tuple(shapely.total_bounds([f.geometry for f in layer.features]))
    if not overlaps_province(bounds):  # type: ignore[arg-type]
        raise ZoneImportRejected.whole_file(
            source,
            f"đọc theo {crs_name}, các vùng nằm ngoài Lạng Sơn ({_fmt(bounds)}); hệ toạ độ có "
            f"đúng không? / read as {crs_name} the zones fall outside Lạng Sơn; is the CRS right?",
        )
    return layer


def _fmt(bounds: tuple[float, ...]) -> str:
    return ", ".join(f"{b:.3f}" for b in bounds)


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    """Numpy/pandas scalars and timestamps as plain JSON-ready values."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
