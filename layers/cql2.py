"""OGC API - Features Part 3 filtering: a CQL2-text ``filter`` evaluated on a layer's features.

pygeofilter parses the text; the evaluation is ours, over the snapshot's GeoJSON features
(properties as served, geometry in CRS84). Supported: comparisons (= <> < <= > >=), AND, OR,
NOT, LIKE, IN, BETWEEN, IS NULL and S_INTERSECTS with a WKT geometry; ``wqi < 50`` is what a
QGIS user asks. A comparison with a missing value is false (SQL's NULL), never an error.
Unknown properties, unsupported operators and syntax errors are a 400 naming what to fix.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

import shapely
from shapely.geometry import shape

from layers.errors import BadQuery

Feature = dict[str, Any]
Predicate = Callable[[Feature], bool]
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-operators",
]
LANGUAGES = ("cql2-text",)


def parse_filter(text: str, lang: str | None, properties: set[str]) -> Predicate:
    """A predicate on GeoJSON features for the CQL2-text ``text``; 400 when it is not one."""
    if lang not in (None, "", *LANGUAGES):
        raise BadQuery(f"filter-lang: chỉ hỗ trợ cql2-text / only cql2-text, not '{lang[:40]}'")
    from lark.exceptions import LarkError
    from pygeofilter.parsers.cql2_text import parse

    try:
        node = parse(text)
    except (LarkError, ValueError) as exc:
        first = str(exc).splitlines()[0][:120]
        raise BadQuery(
            f"filter: CQL2 sai cú pháp / CQL2-text syntax error ({first}); e.g. "
            "wqi < 50 AND medium = 'surface_water'"
        ) from None
    return _compile(node, properties)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "Equal": operator.eq,
    "NotEqual": operator.ne,
    "LessThan": operator.lt,
    "LessEqual": operator.le,
    "GreaterThan": operator.gt,
    "GreaterEqual": operator.ge,
}


def _compile(node: Any, props: set[str]) -> Predicate:
    kind = type(node).__name__
    if kind in _COMPARE:
        lhs, rhs, test = _value(node.lhs, props), _value(node.rhs, props), _COMPARE[kind]
        return lambda f: _safe(test, lhs(f), rhs(f))
    if kind in ("And", "Or"):
        left, right = _compile(node.lhs, props), _compile(node.rhs, props)
        if kind == "And":
            return lambda f: left(f) and right(f)
        return lambda f: left(f) or right(f)
    if kind == "Not":
        inner = _compile(node.sub_node, props)
        return lambda f: not inner(f)
    if kind == "IsNull":
        value = _value(node.lhs, props)
        return lambda f: (value(f) is None) != bool(node.not_)
    if kind == "Like":
        value, pattern = _value(node.lhs, props), _like(node)
        return lambda f: isinstance(v := value(f), str) and bool(pattern.match(v)) != node.not_
    if kind == "In":
        value = _value(node.lhs, props)
        options = [_value(n, props)({}) for n in node.sub_nodes]
        return lambda f: (value(f) in options) != bool(node.not_)
    if kind == "Between":
        value = _value(node.lhs, props)
        low, high = _value(node.low, props)({}), _value(node.high, props)({})
        return lambda f: _safe(lambda v, _: low <= v <= high, value(f), None) != node.not_
    if kind == "GeometryIntersects":
        other = shape(node.rhs.geometry) if hasattr(node.rhs, "geometry") else None
        if other is None or getattr(node.lhs, "name", None) != "geometry":
            raise BadQuery("filter: S_INTERSECTS(geometry, <WKT>) / S_INTERSECTS(geometry, WKT)")
        shapely.prepare(other)
        return lambda f: bool(f.get("geometry")) and other.intersects(shape(f["geometry"]))
    raise BadQuery(
        f"filter: phép '{kind}' chưa hỗ trợ / operator '{kind}' not supported; use comparisons, "
        "AND, OR, NOT, LIKE, IN, BETWEEN, IS NULL, S_INTERSECTS"
    )


def _value(node: Any, props: set[str]) -> Callable[[Feature], Any]:
    if type(node).__name__ == "Attribute":
        name = node.name
        if name not in props:
            raise BadQuery(
                f"filter: không có thuộc tính '{name}' / unknown property '{name}'; "
                f"queryables: {', '.join(sorted(props))}"
            )
        return lambda f: f.get("properties", {}).get(name)
    if isinstance(node, str | int | float | bool) or node is None:
        return lambda _f: node
    raise BadQuery(f"filter: biểu thức '{type(node).__name__}' chưa hỗ trợ / not supported")


def _safe(test: Callable[[Any, Any], bool], a: Any, b: Any) -> bool:
    if a is None or (b is None and test is not operator.eq):
        return False
    try:
        return bool(test(a, b))
    except TypeError:  # a number compared with text: no match, as a missing value
        return False


def _like(node: Any) -> re.Pattern[str]:
    parts = []
    for ch in node.pattern:
        if ch == node.wildcard:
            parts.append(".*")
        elif ch == node.singlechar:
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts) + r"\Z", re.IGNORECASE if node.nocase else 0)
