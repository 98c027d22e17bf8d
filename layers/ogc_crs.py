"""OGC API - Features Part 2 (CRS by reference): the CRS a client may ask for, and features
reprojected into it.

Features are stored and pre-encoded in CRS84 (lon/lat). A page asked for in VN-2000
(``crs=http://www.opengis.net/def/crs/EPSG/0/9215`` or ``EPSG:9215``, also 3405) is decoded,
reprojected with PROJ (layers.crs.transformer) and encoded again, coordinates in metres to the
millimetre. Both VN-2000 grids have easting, northing axis order, so coordinates stay x, y.
``bbox-crs`` names the CRS of ``bbox`` the same way.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from layers.crs import CRS84_URI, transformer
from layers.errors import BadQuery

EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/"
# code -> URI; EPSG:4326 here means CRS84 (lon/lat): the EPSG URI for 4326 would be lat/lon.
OGC_CRS: dict[str, str] = {
    "EPSG:4326": CRS84_URI,
    "EPSG:9215": EPSG_URI + "9215",
    "EPSG:3405": EPSG_URI + "3405",
}
PART2_CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"


def parse_ogc_crs(value: str | None, name: str = "crs") -> str:
    """``EPSG:9215`` for the URI, ``EPSG:9215`` or ``9215``; ``EPSG:4326`` for CRS84; else 400."""
    if value is None or not value.strip():
        return "EPSG:4326"
    text = value.strip().strip("[]")
    if text in (CRS84_URI, "CRS84", "OGC:CRS84"):
        return "EPSG:4326"
    code = text.removeprefix(EPSG_URI)
    code = code.upper().removeprefix("EPSG:")
    key = f"EPSG:{code}"
    if key in OGC_CRS and key != "EPSG:4326":
        return key
    raise BadQuery(
        f"{name}: hệ toạ độ không hỗ trợ / unsupported CRS '{value[:80]}'; choose one of "
        f"{', '.join(OGC_CRS.values())}"
    )


def to_lonlat_bbox(bbox: tuple[float, float, float, float], code: str) -> list[float]:
    """A bbox in ``code`` as the CRS84 envelope of its four corners."""
    minx, miny, maxx, maxy = bbox
    xs, ys = transformer(code, "EPSG:4326").transform(
        [minx, minx, maxx, maxx], [miny, maxy, miny, maxy]
    )
    return [min(xs), min(ys), max(xs), max(ys)]


def reproject(feature: bytes, code: str) -> bytes:
    """One encoded GeoJSON feature with its geometry in ``code`` (millimetres)."""
    data: dict[str, Any] = json.loads(feature)
    if data.get("geometry"):
        move = transformer("EPSG:4326", code)

        def to_target(xy: np.ndarray) -> np.ndarray:
            x, y = move.transform(xy[:, 0], xy[:, 1])
            return np.round(np.column_stack([x, y]), 3)

        data["geometry"] = mapping(shapely.transform(shape(data["geometry"]), to_target))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def crs_member(code: str) -> dict[str, Any]:
    """The (pre-RFC 7946) GeoJSON ``crs`` member, so GDAL and QGIS read the CRS from the file."""
    return {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{code.split(':')[1]}"}}
