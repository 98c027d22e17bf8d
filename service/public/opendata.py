"""Open-data downloads of the public layers (GeoJSON and CSV) with licence and attribution.

Built from the public document only, so a download can hold nothing the page does not show.
"""

from __future__ import annotations

import csv
import io
from typing import Any

LAYERS = ("air", "sources", "points")


def _feature(item: dict[str, Any]) -> dict[str, Any]:
    props = {k: v for k, v in item.items() if k not in ("lon", "lat")}
    return {
        "type": "Feature",
        "id": item["id"],
        "geometry": {"type": "Point", "coordinates": [item["lon"], item["lat"]]},
        "properties": props,
    }


def geojson(doc: dict[str, Any], layer: str) -> dict[str, Any]:
    """A FeatureCollection of one public layer, with the licence at the top."""
    return {
        "type": "FeatureCollection",
        "name": layer,
        "licence": doc["licence"],
        "attribution": doc["attribution"],
        "source": doc["method"] if layer == "air" else doc["attribution"],
        "features": [_feature(x) for x in doc[layer]],
    }


def _flat(item: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, dict):
                    row[f"{key}.{sub}"] = inner.get("value")
                    if "unit" in inner:
                        row[f"{key}.{sub}.unit"] = inner.get("unit")
                else:
                    row[f"{key}.{sub}"] = inner
        else:
            row[key] = value
    return row


def csv_text(doc: dict[str, Any], layer: str) -> str:
    """CSV of one layer: a licence comment line, then one row per feature (nested values
    flattened as ``hourly.aqi``, ``concentrations.PM2.5``, with a ``.unit`` column)."""
    rows = [_flat(x) for x in doc[layer]]
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    out = io.StringIO()
    out.write(f"# licence: {doc['licence']}; attribution: {doc['attribution']}\n")
    writer = csv.DictWriter(out, fieldnames=columns or ["id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
