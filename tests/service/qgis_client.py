"""QGIS as a client of a running quantrac server; run by test_qgis_client.py with Debian's
``/usr/bin/python3`` (python3-qgis, QGIS 3.22), not the project's venv, so it imports only
the standard library and ``qgis``. Prints what QGIS saw as one JSON object.

Usage: python3 qgis_client.py ITEMS_URL FILTERED_URL ZONES_GPKG [LAYER=GPKG ...]
(each LAYER=GPKG is a styled point export: its renderer and each feature's class are reported)
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsVectorLayer,
)


def _features(layer: QgsVectorLayer) -> dict[str, list[float]]:
    """Feature id -> first vertex, as QGIS reads them (no reprojection asked)."""
    out = {}
    for feature in layer.getFeatures():
        point = feature.geometry().vertexAt(0)
        out[str(feature["id"])] = [point.x(), point.y()]
    return out


def _layer_seen(url: str) -> dict[str, object]:
    # QGIS 3.22's OAPIF provider always asks for CRS84 (no Part 2 in that release), so the
    # items page is opened as GeoJSON through the OGR provider, which reads its ``crs`` member.
    layer = QgsVectorLayer(url, "items", "ogr")
    return {
        "valid": layer.isValid(),
        "crs": layer.crs().authid(),
        "count": layer.featureCount(),
        "features": _features(layer) if layer.isValid() else {},
    }


def _classes(layer: QgsVectorLayer, attr: str) -> dict[str, object]:
    """Feature id -> the renderer's class value, as QGIS evaluates its expression."""
    expression = QgsExpression(attr)
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    out = {}
    for feature in layer.getFeatures():
        context.setFeature(feature)
        out[str(feature["id"])] = expression.evaluate(context)
    return out


def _style_seen(gpkg: str, name: str = "landslide-zones") -> dict[str, object]:
    layer = QgsVectorLayer(f"{gpkg}|layername={name}", name, "ogr")
    message, ok = layer.loadDefaultStyle()
    renderer = layer.renderer()
    categories, alphas = [], []
    attr = None
    if renderer.type() == "categorizedSymbol":
        attr = renderer.classAttribute()
        for category in renderer.categories():  # keep each copy alive while its symbol is read
            colour = category.symbol().color()
            categories.append([str(category.value()), category.label(), colour.name()])
            alphas.append(colour.alpha())
    return {
        "valid": layer.isValid(),
        "count": layer.featureCount(),
        "ok": ok,
        "message": message,
        "renderer": renderer.type(),
        "attr": attr,
        "categories": categories,
        "fill_alphas": alphas,
        "symbol_levels": renderer.usingSymbolLevels() if attr else None,
        "classes": _classes(layer, attr) if attr else {},
    }


def main() -> None:
    items_url, filtered_url, gpkg = sys.argv[1:4]
    styled = dict(arg.split("=", 1) for arg in sys.argv[4:])
    app = QgsApplication([], False)
    app.initQgis()
    try:
        result = {
            "version": Qgis.QGIS_VERSION,
            "items": _layer_seen(items_url),
            "filtered": _layer_seen(filtered_url),
            "style": _style_seen(gpkg),
            "styles": {name: _style_seen(path, name) for name, path in styled.items()},
        }
    finally:
        app.exitQgis()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
