"""Export formats and the output CRS each exists in: plain data, cheap to import (the CLI's help
and the map's export panel read it without loading GeoPandas)."""

from __future__ import annotations

# format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("application/geo+json", "geojson"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "zip"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "fgb": ("application/flatgeobuf", "fgb"),
}
# Formats that exist in only some output CRS (KML is WGS 84 by its specification, OGC 07-147r2);
# the map's export panel offers only these pairs.
FORMAT_CRS_ONLY: dict[str, tuple[str, ...]] = {"kml": ("EPSG:4326",)}
