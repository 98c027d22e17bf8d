"""Shapefile field names (dBASE: at most 10 characters) from a documented mapping.

GDAL would cut ``landslide_level_vi`` and ``landslide_level_en`` to ``landslide_`` and
``landslid_1``. Instead each word is shortened from :data:`WORDS` (``landslide`` → ``ls``,
``level`` → ``lvl``...), then cut to 10 characters, then numbered if two names still meet. The
mapping is written beside the layer in the zip (``<layer>.fields.csv``: short name, full name,
description), so a GIS officer can always tell what ``ls_lvl_vi`` holds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

LIMIT = 10
# Word -> abbreviation. Documented in docs/layers.md; extend it rather than renaming by hand.
WORDS: dict[str, str] = {
    "landslide": "ls",
    "flood": "fl",
    "level": "lvl",
    "district": "dist",
    "former": "old",
    "observed": "obs",
    "compliance": "compl",
    "exceedances": "exc",
    "category": "cat",
    "colour": "col",
    "class": "cls",
    "water": "w",
    "status": "st",
    "synthetic": "synth",
    "facility": "fac",
    "regulation": "reg",
    "interval": "int",
    "minutes": "min",
    "commune": "commune",
    "label": "lbl",
    "data": "data",
    "last": "last",
}


def short_name(name: str) -> str:
    """The ≤ 10-character form of one field name (before de-duplication)."""
    if len(name) <= LIMIT:
        return name
    short = "_".join(WORDS.get(word, word) for word in name.split("_"))
    return short[:LIMIT].rstrip("_")


def mapping(names: Iterable[str]) -> dict[str, str]:
    """``{full name: unique short name}`` in the order given."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        short = short_name(name)
        n = 1
        candidate = short
        while candidate.lower() in used:
            n += 1
            suffix = f"_{n}"
            candidate = short[: LIMIT - len(suffix)] + suffix
        used.add(candidate.lower())
        out[name] = candidate
    return out


def sidecar(names: dict[str, str], descriptions: dict[str, str]) -> bytes:
    """The mapping as CSV (UTF-8 with BOM, for Excel): shapefile field, full name, description."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["shapefile_field", "name", "description"])
    for full, short in names.items():
        writer.writerow([short, full, descriptions.get(full, "")])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
