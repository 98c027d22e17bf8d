"""``GET /map`` (the staff web map) and ``GET /static/map/...`` (its vendored assets)."""

from __future__ import annotations

import gzip
import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Match

from maps.assets import static_path
from maps.compose import ENDPOINTS, MapOptions, render_map
from maps.i18n import LANGUAGES
from maps.payload import LAYER_COLLECTIONS, slim_layer
from service.context import AppContext
from service.web.deps import ContextDep, SettingsDep
from service.web.json_answer import accepts_gzip

router = APIRouter(tags=["map"])

STATIC_PREFIX = "/static/map"
# Sample values to test a template against the app's routes ({id} -> a station or alert id).
_SAMPLE = {"id": "X1", "collection": "stations"}


def _mounted(request: Request, template: str, method: str) -> bool:
    """Whether some route of this app answers ``method`` on the URL template's path."""
    path = template.split("?", 1)[0].format(**_SAMPLE)
    scope = {"type": "http", "path": path, "method": method}
    for route in request.app.router.routes:
        if getattr(route, "path_format", "").startswith(STATIC_PREFIX):
            continue
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return True
    return False


def available_endpoints(request: Request) -> dict[str, str]:
    """The data URLs of the contract that this app serves (others are never requested).

    Where the OGC collections exist, the map loads their slim versions from ``/map/data``
    (see :mod:`maps.payload`) and a point's full record from the OGC item when its popup opens.
    """
    found = {
        name: template
        for name, template in ENDPOINTS.items()
        if _mounted(request, template, "POST" if name == "ack" else "GET")
    }
    for layer in LAYER_COLLECTIONS:
        if layer in found:
            found[layer] = f"/map/data/{layer}"
    if "points" in found:
        found["point_detail"] = "/ogc/collections/monitoring-points/items/{id}"
    return found


def slim_layer_bytes(ctx: AppContext, layer: str, *, results: bool = False) -> tuple[bytes, bytes]:
    """The slim GeoJSON of a map layer and its gzip form, cached until its snapshot changes."""
    from service.web.routes.ogc import get_snapshots

    snap = get_snapshots(ctx).get(LAYER_COLLECTIONS[layer])
    cache = ctx.slim_layers
    hit = cache.get((layer, results))
    if hit is not None and hit[0] == snap.key:
        return hit[1], hit[2]
    body = json.dumps(
        slim_layer(layer, snap.features, results=results),
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    packed = gzip.compress(body, compresslevel=6)
    cache[(layer, results)] = (snap.key, body, packed)
    return body, packed


@router.get("/map/data/{layer}", summary="A map layer, slimmed for display (GeoJSON)")
def map_layer(layer: str, request: Request, ctx: ContextDep) -> Response:
    """Monitoring points (marker properties only) or zones/communes (simplified outlines).

    Sent gzip-compressed when the client accepts it (every browser does): GeoJSON outlines
    shrink about fourfold, which is most of the map's data budget.
    """
    if layer not in LAYER_COLLECTIONS:
        raise HTTPException(404, f"không có lớp '{layer}' / no map layer '{layer}'")
    try:
        body, packed = slim_layer_bytes(ctx, layer)
    except ModuleNotFoundError as exc:
        raise HTTPException(404, "lớp chưa sẵn sàng / layer not available") from exc
    headers = {"Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        body = packed
    return Response(body, media_type="application/geo+json", headers=headers)


def viewer(request: Request) -> dict[str, Any] | None:
    """Who is looking, for the alert panel: name, CSRF token, whether they may acknowledge.

    None when access control is off (then everyone may acknowledge and no token is needed).
    """
    principal = request.scope.get("state", {}).get("principal")
    if principal is None or getattr(principal, "via", "") == "local":
        return None
    role = getattr(principal, "role", None)
    operator = _operator_role()
    return {
        "name": None if principal.role is None else principal.username,
        "csrf": getattr(principal, "csrf", None),
        "can_ack": role is not None and (operator is None or role >= operator),
    }


def _operator_role() -> Any:
    try:
        from service.auth.principal import Role
    except ModuleNotFoundError:
        return None
    return Role.OPERATOR


@router.get("/map", response_class=HTMLResponse, summary="The staff web map (HTML)")
def staff_map(
    request: Request,
    settings: SettingsDep,
    lang: Annotated[str, Query(pattern="^(vi|en)$", description="interface language")] = "vi",
) -> HTMLResponse:
    """The folium map; its data arrives from the JSON/GeoJSON endpoints, live."""
    options = MapOptions(
        lang=lang if lang in LANGUAGES else "vi",
        endpoints=available_endpoints(request),
        static_prefix=STATIC_PREFIX,
        tz=settings.display_tz,
        user=viewer(request),
    )
    return HTMLResponse(render_map(options), headers={"Cache-Control": "no-cache"})


@router.get(STATIC_PREFIX + "/{path:path}", include_in_schema=False)
def map_asset(path: str) -> FileResponse:
    """A vendored asset of the map (Leaflet, our script and styles); cached for a day."""
    file = static_path(path)
    if file is None:
        raise HTTPException(status_code=404, detail="no such map asset")
    return FileResponse(file, headers={"Cache-Control": "public, max-age=86400"})
