"""Exports of a collection: GeoJSON, GeoPackage, Shapefile (zip), KML, CSV, FlatGeobuf, in
EPSG:4326, EPSG:9215 or EPSG:3405, through pyogrio (GDAL) and pyproj.

Nested properties are flattened for flat formats: the stations' ``parameters`` and the points'
laboratory ``results`` become one numeric column per parameter (``pm2_5``, ``so2``, ``no2``...,
wide form) plus a ``units`` text column; other objects and lists become JSON text. Properties
the collection declares numeric (``wqi``, ``flood_level``...) are numeric columns even when a
page holds no value. A GeoPackage of points also holds a ``results`` table in long form (one
row per point and parameter: value, unit, limit, ratio, verdict). Shapefiles are written as UTF-8
with a ``.cpg`` so Vietnamese survives.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from layers import gis_styles, gpkg_columns, shapefile_names
from layers.crs import OUTPUT_CRS, parse_output_crs
from layers.errors import BadQuery
from layers.formats import FORMAT_CRS_ONLY, FORMATS
from layers.gpkg_columns import unit_alias
from stations.csvsafe import safe_cell

# Nested objects written one column per parameter (wide form).
WIDE = ("parameters", "results")
NUMERIC = ("number", "integer")


@dataclass(frozen=True, slots=True)
class ExportFile:
    """Bytes of an export with its media type and a file name."""

    content: bytes
    media_type: str
    filename: str


def parse_format(value: str | None) -> str:
    """A supported format name; 400 otherwise."""
    fmt = (value or "geojson").lower()
    if fmt not in FORMATS:
        raise BadQuery(
            f"định dạng '{value}' không hỗ trợ / unsupported format; one of {', '.join(FORMATS)}"
        )
    return fmt


def _column(code: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_") or "value"


def flatten(properties: dict[str, Any]) -> dict[str, Any]:
    """Flat attributes for file formats (see the module docstring)."""
    out: dict[str, Any] = {}
    for key, value in properties.items():
        if key in WIDE and isinstance(value, dict):
            units = []
            for code, reading in value.items():
                out[_column(code)] = _number(reading.get("value"))
                units.append(f"{code}={reading.get('unit')}")
            out["units"] = "; ".join(units) or None
        elif isinstance(value, dict | list):
            out[key] = json.dumps(value, ensure_ascii=False) if value else None
        else:
            out[key] = value
    return out


def _number(value: Any) -> float | None:
    try:
        return None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None


def to_frame(
    features: list[dict[str, Any]], crs: str, numeric: dict[str, str] | None = None
) -> gpd.GeoDataFrame:
    """Features (GeoJSON, lon/lat) as a GeoDataFrame in ``crs``; ``numeric`` names the columns
    declared ``number``/``integer`` so their type never depends on the data."""
    records = [flatten(f["properties"]) for f in features]
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    frame = gpd.GeoDataFrame(pd.DataFrame.from_records(records), geometry=geoms, crs="EPSG:4326")
    for col, kind in (numeric or {}).items():
        if col in frame.columns:
            values = pd.to_numeric(frame[col], errors="coerce")
            frame[col] = values.astype("Int64" if kind == "integer" else "float64")
    for col in frame.columns:
        if col != "geometry" and frame[col].dtype == object:
            # Booleans next to None confuse GDAL's type guess; write them as integers.
            if all(v is None or isinstance(v, bool) for v in frame[col]):
                frame[col] = frame[col].map(lambda v: None if v is None else int(v))
    return frame.to_crs(crs) if crs != "EPSG:4326" else frame


def export_features(
    features: list[dict[str, Any]], layer: str, fmt: str, crs: str | None
) -> ExportFile:
    """Write ``features`` as ``fmt`` in ``crs``; ``layer`` names the layer and the file."""
    fmt, crs = parse_format(fmt), parse_output_crs(crs)
    if crs not in FORMAT_CRS_ONLY.get(fmt, (crs,)):
        raise BadQuery(
            "KML luôn dùng WGS 84 (EPSG:4326) / KML is always WGS 84: use crs=EPSG:4326, or "
            "GPKG/SHP for VN-2000"
        )
    frame = to_frame(features, crs, numeric_columns(layer))
    media, ext = FORMATS[fmt]
    stem = f"{layer}_{crs.replace(':', '')}"
    with tempfile.TemporaryDirectory(prefix="quantrac-export-") as tmp:
        folder = Path(tmp)
        if fmt == "csv":
            return ExportFile(_csv(frame, crs), media, f"{stem}.csv")
        if fmt == "shp":
            target = folder / f"{stem}.shp"
            names = shapefile_names.mapping(c for c in frame.columns if c != "geometry")
            pyogrio.write_dataframe(
                frame.rename(columns=names), target, driver="ESRI Shapefile", encoding="UTF-8"
            )
            (folder / f"{stem}.fields.csv").write_bytes(
                shapefile_names.sidecar(names, _descriptions(layer, frame))
            )
            return ExportFile(_zip(folder, stem), media, f"{stem}.zip")
        target = folder / f"{stem}.{ext}"
        driver = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "KML", "fgb": "FlatGeobuf"}[fmt]
        dataset: dict[str, Any] = {"NameField": "name"} if fmt == "kml" else {}
        layer_opts: dict[str, Any] = {}
        if fmt == "geojson" and crs == "EPSG:4326":
            layer_opts["RFC7946"] = "YES"
        pyogrio.write_dataframe(
            frame,
            target,
            driver=driver,
            layer=layer,
            dataset_options=dataset,
            layer_options=layer_opts,
        )
        if fmt == "gpkg":
            _results_table(features, target)
            aliases = _aliases(frame)
            gpkg_columns.describe_columns(
                target,
                layer,
                {c: (aliases.get(c), d) for c, d in _descriptions(layer, frame).items()},
            )
            if layer in gis_styles.ZONE_LAYERS:
                gis_styles.add_zone_style(target, layer)
        return ExportFile(target.read_bytes(), media, target.name)


def _units(frame: gpd.GeoDataFrame) -> dict[str, tuple[str, list[str]]]:
    """``{column: (parameter code, [units seen])}`` from the ``units`` column."""
    units: dict[str, tuple[str, list[str]]] = {}
    if "units" in frame.columns:
        for text in frame["units"].dropna():
            for item in str(text).split("; "):
                code, _, unit = item.partition("=")
                units.setdefault(_column(code), (code, []))[1].append(unit)
    return units


def _descriptions(layer: str, frame: gpd.GeoDataFrame) -> dict[str, str]:
    """What each exported column holds: the collection's description, or the parameter's unit."""
    from layers.registry import COLLECTIONS

    collection = COLLECTIONS.get(layer)
    props = collection.properties if collection else {}
    units = {c: unit_alias(code, seen) for c, (code, seen) in _units(frame).items()}
    return {c: props[c].description if c in props else units.get(c, "") for c in frame.columns}


def _aliases(frame: gpd.GeoDataFrame) -> dict[str, str]:
    """Field aliases of the parameter columns: the code with its unit."""
    return {c: unit_alias(code, seen) for c, (code, seen) in _units(frame).items()}


def numeric_columns(layer: str) -> dict[str, str]:
    """``{property: number|integer}`` declared by the collection ``layer`` (layers.registry)."""
    from layers.registry import COLLECTIONS

    collection = COLLECTIONS.get(layer)
    if collection is None:
        return {}
    return {k: p.type for k, p in collection.properties.items() if p.type in NUMERIC}


RESULT_COLUMNS = ("value", "unit", "qualifier", "limit", "ratio", "verdict", "sampled_at")


def _results_table(features: list[dict[str, Any]], target: Path) -> None:
    """The points' laboratory results in long form, as a ``results`` table beside the layer."""
    rows = [
        {"point_id": f["properties"].get("id"), "parameter": code}
        | {k: (r or {}).get(k) for k in RESULT_COLUMNS}
        for f in features
        for code, r in ((f["properties"].get("results") or {}).items())
    ]
    if not rows:
        return
    table = pd.DataFrame.from_records(rows)
    table["value"] = pd.to_numeric(table["value"], errors="coerce").astype("float64")
    table["ratio"] = pd.to_numeric(table["ratio"], errors="coerce").astype("float64")
    table["limit"] = table["limit"].map(lambda v: None if v is None else str(v))
    pyogrio.write_dataframe(table, target, driver="GPKG", layer="results", append=True)


def _zip(folder: Path, stem: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.glob(f"{stem}.*")):
            archive.write(part, part.name)
    return buf.getvalue()


def _csv(frame: gpd.GeoDataFrame, crs: str) -> bytes:
    """CSV with lon/lat (EPSG:4326) or x/y (VN-2000, metres) for points; WKT for polygons.

    UTF-8 with a byte-order mark so Excel shows Vietnamese correctly; the CRS is in the file
    name and a ``crs`` column.
    """
    table = pd.DataFrame(frame.drop(columns="geometry"))
    geoms = frame.geometry
    if len(geoms) and (geoms.geom_type == "Point").all():
        xname, yname = ("lon", "lat") if crs == "EPSG:4326" else ("x", "y")
        digits = 7 if crs == "EPSG:4326" else 3
        table.insert(0, yname, geoms.y.round(digits))
        table.insert(0, xname, geoms.x.round(digits))
    else:
        table.insert(
            0,
            "wkt",
            shapely.to_wkt(geoms.values, rounding_precision=7 if crs == "EPSG:4326" else 3),
        )
    table["crs"] = crs
    return table.map(safe_cell).to_csv(index=False).encode("utf-8-sig")


__all__ = ["FORMATS", "OUTPUT_CRS", "ExportFile", "export_features", "parse_format"]
