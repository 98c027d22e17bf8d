"""The public allow-list: every key a ``/public`` answer may contain, and nothing else.

Public answers are *built* key by key from these tuples (never copied from an internal dict and
filtered), so an internal field added later cannot leak. ``check`` walks an answer and names any
key outside the list; the field-sweep test runs it over every public route.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from stations.parameters import catalogue
from stations.programme.catalogue import lab_catalogue

DOCUMENT = (
    "generated_at", "data_changed_at", "licence", "attribution", "method", "disclosure",
    "categories", "air", "sources", "points", "communes", "basemap",
)  # fmt: skip
BASEMAP = ("url", "attribution", "bounds", "min_zoom", "max_zoom")
CATEGORY = (
    "category", "aqi_from", "aqi_to", "label_vi", "label_en", "colour", "health_vi",
    "general_vi", "sensitive_vi", "health_en", "general_en", "sensitive_en", "citation",
)  # fmt: skip
AIR = (
    "id", "name", "commune", "lon", "lat", "status", "last_observed_at", "hourly", "daily",
    "concentrations",
)  # fmt: skip
AQI = ("aqi", "category", "colour", "label_vi", "label_en", "dominant", "at")
VALUE = ("value", "unit", "observed_at")
SOURCE = ("id", "name", "kind", "facility", "commune", "lon", "lat", "status", "state", "values")
POINT = ("id", "name", "medium", "commune", "lon", "lat", "round", "status", "results")
RESULT = ("value", "unit", "qualifier", "verdict")
DISCLOSURE = ("fluegas", "wastewater")
WEEK = ("station", "hours", "days")
WEEK_ROW = ("at", "aqi", "colour")
WIDGET = ("station", "name", "commune", "status", "hourly", "last_observed_at", "url", "licence")
FEATURE = ("type", "id", "geometry", "properties", "features", "coordinates", "name")
OPEN_DATA = ("licence", "attribution", "source")

# Keys whose children are parameter codes (dynamic keys, checked against the catalogues).
PARAMETER_MAPS = frozenset({"concentrations", "values", "results"})


def allowed_keys() -> frozenset[str]:
    """Every fixed key a public answer may hold."""
    groups: Iterable[tuple[str, ...]] = (
        DOCUMENT, CATEGORY, AIR, AQI, VALUE, SOURCE, POINT, RESULT, DISCLOSURE, WEEK, WEEK_ROW,
        WIDGET, FEATURE, OPEN_DATA, BASEMAP,
    )  # fmt: skip
    return frozenset(k for g in groups for k in g)


@cache
def parameter_codes() -> frozenset[str]:
    """Parameter codes of the automatic and laboratory catalogues."""
    return frozenset(catalogue()) | frozenset(code for code, _medium in lab_catalogue())


def pick(source: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A new dict holding only ``keys`` (missing ones as None)."""
    return {k: source.get(k) for k in keys}


def check(answer: Any, path: str = "$") -> list[str]:
    """The paths of keys outside the allow-list in a decoded JSON answer (empty = clean)."""
    bad: list[str] = []
    fixed = allowed_keys()
    codes = parameter_codes()
    if isinstance(answer, dict):
        for key, value in answer.items():
            if key not in fixed:
                bad.append(f"{path}.{key}")
            if key in PARAMETER_MAPS and isinstance(value, dict):
                for code, inner in value.items():
                    if code not in codes:
                        bad.append(f"{path}.{key}.{code}")
                    bad.extend(check(inner, f"{path}.{key}.{code}"))
            elif key != "coordinates":
                bad.extend(check(value, f"{path}.{key}"))
    elif isinstance(answer, list):
        for i, item in enumerate(answer):
            bad.extend(check(item, f"{path}[{i}]"))
    return bad
