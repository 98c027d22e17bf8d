"""QGIS styles of the exported point layers: station and monitoring-point markers coloured as
the web map colours them (legend classes from :mod:`layers.legend`), as QML and SLD.

The web map works out a marker's class in the browser (maps/static/quantrac/map.js
``QT.stationState`` and ``QT.pointResult``); an export carries the fields that decide it, so each
class here is a condition on exported fields, written once and turned into a QGIS expression
(categorized renderer) and into SLD filters. Exceeding is drawn on top: QGIS symbol levels follow
``STATION_STATE_ORDER`` (points: the legend order), and SLD has one FeatureTypeStyle per class,
worst last, because renderers paint FeatureTypeStyles in turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from layers.legend import POINT_RESULTS, STATION_STATE_ORDER, STATION_STATES, Swatch

# field -> accepted values (None: the field is empty); every field of a condition must match.
Condition = Mapping[str, tuple[str | None, ...]]

OUTLINE = "#333333"  # as the web map's point markers (map.js ``radius: 5, color: "#333"``)
LIVE = ("online", "delayed")  # stations.status.DataStatus values that still have data


@dataclass(frozen=True, slots=True)
class MarkerStyle:
    """A point layer's legend as conditions on its exported fields."""

    layer: str
    swatches: tuple[Swatch, ...]
    order: tuple[str, ...]  # worst first: drawn on top of the later ones
    classes: tuple[tuple[str, Condition], ...]  # first match wins, as in map.js
    otherwise: str  # the class of a feature no condition matches
    size_mm: float
    description: str

    def keys(self) -> list[str]:
        """Legend keys this style draws, in legend order."""
        used = {k for k, _ in self.classes} | {self.otherwise}
        return [s.key for s in self.swatches if s.key in used]


# map.js QT.stationState: no data first, then the compliance state; "limit_missing" is never
# green. "fault" (device status 01/02 of a parameter) is not a class here: the export keeps only
# parameter values, not their device status.
STATIONS = MarkerStyle(
    layer="stations",
    swatches=STATION_STATES,
    order=STATION_STATE_ORDER,
    classes=(
        ("offline", {"data_status": ("offline", "no_data", None)}),
        *(
            (state, {"data_status": LIVE, "compliance_state": (state,)})
            for state in ("exceeding", "near_limit", "limit_missing", "compliant")
        ),
    ),
    otherwise="unassessed",
    size_mm=4.0,
    description="Trạng thái trạm như trên bản đồ / station state as on the web map",
)

# map.js POINT_STATUS: programme verdicts (stations.programme) -> legend classes.
POINTS = MarkerStyle(
    layer="monitoring-points",
    swatches=POINT_RESULTS,
    order=tuple(s.key for s in POINT_RESULTS),
    classes=(
        ("exceeding", {"status": ("exceeds", "exceeding")}),
        ("near_limit", {"status": ("near_limit",)}),
        ("compliant", {"status": ("meets", "compliant")}),
        ("no_limit", {"status": ("no_limit",)}),
    ),
    otherwise="no_result",
    size_mm=2.6,
    description="Kết quả đợt gần nhất như trên bản đồ / latest round's result as on the web map",
)

MARKER_STYLES = {s.layer: s for s in (STATIONS, POINTS)}


def qgis_rgb(colour: str) -> str:
    """``#d7191c`` -> ``215,25,28`` (QGIS colour property)."""
    value = colour.lstrip("#")
    return ",".join(str(int(value[i : i + 2], 16)) for i in (0, 2, 4))


def classify(style: MarkerStyle, props: Mapping[str, Any]) -> str:
    """The legend key of a feature with exported attributes ``props`` (what QGIS computes)."""
    for key, condition in style.classes:
        if all(props.get(f) in values for f, values in condition.items()):
            return key
    return style.otherwise


def _sql(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _expression_part(field: str, values: tuple[str | None, ...]) -> str:
    named = [v for v in values if v is not None]
    parts = [f'"{field}" IN ({", ".join(_sql(v) for v in named)})'] if named else []
    if None in values:
        parts.append(f'"{field}" IS NULL')
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def expression(style: MarkerStyle) -> str:
    """The QGIS expression giving a feature's legend key (the renderer's classification)."""
    whens = " ".join(
        f"WHEN {' AND '.join(_expression_part(f, v) for f, v in cond.items())} THEN {_sql(key)}"
        for key, cond in style.classes
    )
    return f"CASE {whens} ELSE {_sql(style.otherwise)} END"


def _label(swatch: Swatch) -> str:
    return f"{swatch.label_vi} / {swatch.label_en}"


def _swatches(style: MarkerStyle) -> list[Swatch]:
    return [s for s in style.swatches if s.key in style.keys()]


def _rank(style: MarkerStyle, key: str) -> int:
    """Symbol level: higher is drawn later, so on top; a key missing from the order goes low."""
    order = style.order
    return len(order) - order.index(key) if key in order else 0


def marker_qml(style: MarkerStyle) -> str:
    """A categorized renderer of circle markers, one class per legend key, symbol levels on."""
    swatches = _swatches(style)
    categories = "".join(
        f'<category render="true" symbol="{i}" value="{s.key}" label={quoteattr(_label(s))}/>'
        for i, s in enumerate(swatches)
    )
    symbols = "".join(
        f'<symbol type="marker" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="SimpleMarker" enabled="1" locked="0" pass="{_rank(style, s.key)}">'
        '<prop k="name" v="circle"/>'
        f'<prop k="color" v="{qgis_rgb(s.colour)},255"/>'
        f'<prop k="outline_color" v="{qgis_rgb(OUTLINE)},255"/>'
        '<prop k="outline_style" v="solid"/><prop k="outline_width" v="0.26"/>'
        '<prop k="outline_width_unit" v="MM"/>'
        f'<prop k="size" v="{style.size_mm}"/><prop k="size_unit" v="MM"/>'
        "</layer></symbol>"
        for i, s in enumerate(swatches)
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        '<qgis version="3.22.0" styleCategories="Symbology">'
        f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(expression(style))} '
        'symbollevels="1" enableorderby="0" forceraster="0">'
        f"<categories>{categories}</categories><symbols>{symbols}</symbols>"
        "</renderer-v2></qgis>"
    )


def _filter_part(field: str, values: tuple[str | None, ...]) -> str:
    name = f"<ogc:PropertyName>{field}</ogc:PropertyName>"
    parts = [
        f"<ogc:PropertyIsEqualTo>{name}<ogc:Literal>{escape(v)}</ogc:Literal>"
        "</ogc:PropertyIsEqualTo>"
        for v in values
        if v is not None
    ]
    if None in values:
        parts.append(f"<ogc:PropertyIsNull>{name}</ogc:PropertyIsNull>")
    return parts[0] if len(parts) == 1 else f"<ogc:Or>{''.join(parts)}</ogc:Or>"


def _condition(cond: Condition) -> str:
    parts = [_filter_part(f, v) for f, v in cond.items()]
    return parts[0] if len(parts) == 1 else f"<ogc:And>{''.join(parts)}</ogc:And>"


def _filter(style: MarkerStyle, key: str) -> str:
    """SLD filter of one class: its condition and none of the earlier ones (first match wins)."""
    conds = [c for _, c in style.classes]
    keys = [k for k, _ in style.classes]
    earlier = conds[: keys.index(key)] if key in keys else conds
    parts = [f"<ogc:Not>{_condition(c)}</ogc:Not>" for c in earlier]
    if key in keys:
        parts.append(_condition(conds[keys.index(key)]))
    body = parts[0] if len(parts) == 1 else f"<ogc:And>{''.join(parts)}</ogc:And>"
    return f"<ogc:Filter>{body}</ogc:Filter>"


def marker_sld(style: MarkerStyle) -> str:
    """The same classes as SLD 1.0: one FeatureTypeStyle per class, worst drawn last."""
    swatches = sorted(_swatches(style), key=lambda s: _rank(style, s.key))
    size_px = round(style.size_mm * 96 / 25.4)
    styles = "".join(
        f"<FeatureTypeStyle><Rule><Name>{s.key}</Name><Title>{escape(_label(s))}</Title>"
        f"{_filter(style, s.key)}"
        "<PointSymbolizer><Graphic><Mark><WellKnownName>circle</WellKnownName>"
        f'<Fill><CssParameter name="fill">{s.colour}</CssParameter></Fill>'
        f'<Stroke><CssParameter name="stroke">{OUTLINE}</CssParameter>'
        '<CssParameter name="stroke-width">1</CssParameter></Stroke>'
        f"</Mark><Size>{size_px}</Size></Graphic></PointSymbolizer></Rule></FeatureTypeStyle>"
        for s in swatches
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<StyledLayerDescriptor version="1.0.0" xmlns="http://www.opengis.net/sld" '
        'xmlns:ogc="http://www.opengis.net/ogc">'
        f"<NamedLayer><Name>{style.layer}</Name><UserStyle><Title>{style.layer}</Title>"
        f"{styles}</UserStyle></NamedLayer></StyledLayerDescriptor>"
    )
