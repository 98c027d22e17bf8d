"""Coordinate reference systems: what we accept and emit, and the checks on imported files.

Storage is EPSG:4326 (lon/lat). Output CRSs are WGS 84 and the two VN-2000 grids used in
Lạng Sơn (regulations.md §11). PROJ picks the VN-2000 <-> WGS 84 transformation itself
(EPSG:6960 or 5194 depending on the grids it has); we never hand-write ``+towgs84``.
"""

from __future__ import annotations

from functools import lru_cache

from pyproj import CRS, Transformer

from layers.errors import BadQuery

OUTPUT_CRS: dict[str, str] = {
    "EPSG:4326": "WGS 84 (kinh độ/vĩ độ / lon/lat)",
    "EPSG:9215": "VN-2000 / TM-3 107-15 (lưới tỉnh Lạng Sơn / Lạng Sơn provincial grid)",
    "EPSG:3405": "VN-2000 / UTM 48N",
}
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# Lạng Sơn and a margin (degrees): an imported layer must overlap it to be about this province.
PROVINCE_REGION = (105.5, 21.0, 107.9, 22.9)


def parse_output_crs(value: str | None) -> str:
    """Normalise ``EPSG:9215`` / ``epsg:9215`` / ``9215`` to ``EPSG:9215``; 400 otherwise."""
    if not value:
        return "EPSG:4326"
    code = value.strip().upper()
    if code.isdigit():
        code = f"EPSG:{code}"
    if code in ("CRS84", CRS84_URI.upper(), "OGC:CRS84"):
        code = "EPSG:4326"
    if code not in OUTPUT_CRS:
        raise BadQuery(
            f"Hệ toạ độ '{value}' không hỗ trợ / unsupported CRS '{value}'; "
            f"choose one of {', '.join(OUTPUT_CRS)}"
        )
    return code


@lru_cache(maxsize=16)
def transformer(src: str, dst: str) -> Transformer:
    """A cached lon/lat-ordered transformer between two CRSs."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def describe(crs: object) -> str:
    """``EPSG:nnnn`` when PROJ can name it, else the CRS's own name (pyproj or rasterio CRS)."""
    proj = CRS.from_user_input(crs.to_wkt() if hasattr(crs, "to_wkt") else crs)
    epsg = proj.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else proj.name


def overlaps_province(bounds: tuple[float, float, float, float]) -> bool:
    """True when lon/lat ``bounds`` overlap the province region."""
    minx, miny, maxx, maxy = bounds
    west, south, east, north = PROVINCE_REGION
    return minx <= east and maxx >= west and miny <= north and maxy >= south
