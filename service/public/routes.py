"""``/public``: the citizens' portal, its data, the widget, open data and share images.

Thin routes: content is built in ``content``/``week``/``opendata``/``og_image`` and served as
cached bytes (``cache``) with ETag, Last-Modified, Cache-Control and gzip (``answers``).
No login, GET only, rate-limited per client address.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from jinja2 import Environment, FileSystemLoader, select_autoescape

from maps.assets import LEAFLET_DIR, static_path
from service.context import AppContext
from service.layer_cache import get_snapshots
from service.public import og_image, opendata
from service.public.answers import answer, rate_limited
from service.public.cache import Entry, encode, entry_for, public_cache
from service.public.week import week_rows
from service.web.deps import ContextDep
from stations.timeutil import now_epoch

WARNINGS_ROUTE = "/api/warnings"  # issue 17's layer: shown on the page once the route exists
STARTED = now_epoch()  # Last-Modified of the page shell and static files

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
LEAFLET = {n: static_path(f"{LEAFLET_DIR}/{n}") for n in ("leaflet.js", "leaflet.css")}
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
_env = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(("html",))
)

router = APIRouter(prefix="/public", tags=["public portal"], dependencies=[Depends(rate_limited)])
Lang = Annotated[str, Query(pattern="^(vi|en)$", description="vi (default) or en")]


async def _document(ctx: AppContext) -> tuple[dict[str, Any], Entry]:
    cache = public_cache(ctx)
    held = cache.current()  # the usual case: answered on the event loop, no thread hop
    return held if held is not None else await run_in_threadpool(cache.document)


def _station(doc: dict[str, Any], station: str) -> dict[str, Any]:
    for item in doc["air"]:
        if item["id"] == station:
            return item
    raise HTTPException(404, f"không có trạm không khí '{station}' / no air station '{station}'")


_pages: dict[str, Entry] = {}  # rendered pages by their inputs; bounded below
MAX_PAGES = 256


def _html(request: Request, template: str, lang: str, cache_control: str, **extra: Any) -> Any:
    """A rendered template as a cached entry: rendering and gzip happen once per distinct
    input (the widget's inputs include its data, so new data renders anew)."""
    key = repr((template, lang, sorted(extra.items())))
    entry = _pages.get(key)
    if entry is None:
        body = _env.get_template(template).render(lang=lang, **extra).encode()
        entry = entry_for(body, STARTED, "text/html; charset=utf-8")
        if len(_pages) >= MAX_PAGES:
            _pages.clear()
        _pages[key] = entry
    return answer(request, entry, cache_control)


@router.get("", summary="Public portal page (HTML, Vietnamese first; ?lang=en)")
def page(
    request: Request,
    ctx: ContextDep,
    lang: Lang = "vi",
    station: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")] = None,
) -> Response:
    """The page shell; its data comes from ``/public/data.json`` (the service worker keeps the
    last answer for offline visits). ``?station=ID`` adds that station's share image."""
    base = ctx.settings.base_url
    return _html(
        request,
        "index.html",
        lang,
        "public, max-age=300",
        og_title="VN_AQI Lạng Sơn" + (f" — {station}" if station else ""),
        og_image=f"{base}/public/og/{station}.png" if station else None,
        warnings=WARNINGS_ROUTE in request.app.openapi().get("paths", {}),
    )


@router.get("/data.json", summary="Public document: air VN_AQI, sources as disclosed, rounds")
async def data(request: Request, ctx: ContextDep) -> Response:
    """Only allow-listed fields (service/public/allowlist.py); rebuilt once per data change."""
    _doc, entry = await _document(ctx)
    return answer(request, entry)


@router.get("/stations/{station}/week.json", summary="7 days of hourly and daily VN_AQI")
async def week(station: str, request: Request, ctx: ContextDep) -> Response:
    """Hourly and daily AQI of the last 7 days, oldest first; gaps stay absent."""
    doc, _ = await _document(ctx)
    _station(doc, station)
    tz = ZoneInfo(ctx.settings.display_tz)

    def build(_doc: dict[str, Any], modified: int) -> Entry:
        with ctx.engine.connect() as conn:
            return encode(week_rows(conn, station, now_epoch(), tz), modified)

    entry = await run_in_threadpool(public_cache(ctx).extra, ("week", station), build)
    return answer(request, entry)


def _widget_data(doc: dict[str, Any], station: str, base: str) -> dict[str, Any]:
    item = _station(doc, station)
    return {
        "station": item["id"],
        "name": item["name"],
        "commune": item["commune"],
        "status": item["status"],
        "hourly": item["hourly"],
        "last_observed_at": item["last_observed_at"],
        "url": f"{base}/public#{item['id']}",
        "licence": doc["licence"],
    }


@router.get("/widget/aqi.json", summary="Widget data: one station's current VN_AQI")
async def widget_json(
    request: Request, ctx: ContextDep, station: Annotated[str, Query(max_length=64)]
) -> Response:
    """The widget's JSON (allow-listed, cross-origin readable)."""
    doc, entry = await _document(ctx)
    body = encode(_widget_data(doc, station, ctx.settings.base_url), entry.modified)
    response = answer(request, body)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@router.get("/widget/aqi", summary="Embeddable widget (HTML for an iframe)")
async def widget(
    request: Request,
    ctx: ContextDep,
    station: Annotated[str, Query(max_length=64)],
    lang: Lang = "vi",
) -> Response:
    """A small page with no script: the AQI in its colour, or grey "no data"."""
    doc, _ = await _document(ctx)
    data = _widget_data(doc, station, ctx.settings.base_url)
    return _html(request, "widget.html", lang, "public, max-age=60", w=data)


@router.get("/og/{station}.png", summary="Open Graph image of a station (PNG)")
async def og(station: str, request: Request, ctx: ContextDep, lang: Lang = "vi") -> Response:
    """1200×630 PNG with the current AQI in its colour, rebuilt once per data change."""
    doc, _ = await _document(ctx)
    item = _station(doc, station)

    def build(_doc: dict[str, Any], modified: int) -> Entry:
        return entry_for(og_image.render(item, lang), modified, "image/png")

    entry = await run_in_threadpool(public_cache(ctx).extra, ("og", station, lang), build)
    return answer(request, entry)


@router.get("/open-data/{layer}.{fmt}", summary="Open data: public layers as GeoJSON or CSV")
async def open_data(layer: str, fmt: str, request: Request, ctx: ContextDep) -> Response:
    """``air``, ``sources`` or ``points`` as ``geojson`` or ``csv``, with licence and
    attribution."""
    if layer not in opendata.LAYERS or fmt not in ("geojson", "csv"):
        raise HTTPException(
            404, "lớp: air|sources|points, định dạng: geojson|csv / layer or format unknown"
        )
    doc, entry = await _document(ctx)
    if fmt == "geojson":
        made = encode(opendata.geojson(doc, layer), entry.modified, "application/geo+json")
    else:
        body = opendata.csv_text(doc, layer).encode()
        made = entry_for(body, entry.modified, "text/csv; charset=utf-8")
    response = answer(request, made)
    response.headers["Content-Disposition"] = f'attachment; filename="lang-son-{layer}.{fmt}"'
    return response


@router.get("/sw.js", summary="Service worker (offline copy of the last answer)")
def service_worker(request: Request) -> Response:
    """Served under /public so its scope is the portal."""
    body = (STATIC / "sw.js").read_bytes()
    response = answer(request, entry_for(body, STARTED, "text/javascript"), "no-cache")
    response.headers["Service-Worker-Allowed"] = "/public"
    return response


@router.get("/outlines.geojson", summary="Province and commune outlines (the map's fallback)")
async def outlines(request: Request, ctx: ContextDep) -> Response:
    """Outlines with their names only, for the map when no basemap tile is available."""

    def build(_doc: dict[str, Any], modified: int) -> Entry:
        communes = get_snapshots(ctx).get("communes").features
        features = [
            {
                "type": "Feature",
                "id": f["id"],
                "geometry": f["geometry"],
                "properties": {"name": f["properties"].get("name")},
            }
            for f in communes
        ]
        if not features:  # no commune layer imported: the bundled province outline
            features = [{**f, "properties": {"name": "Lạng Sơn"}} for f in _province()]
        return encode({"type": "FeatureCollection", "features": features}, modified)

    entry = await run_in_threadpool(public_cache(ctx).extra, ("outlines",), build)
    return answer(request, entry)


def _province() -> list[dict[str, Any]]:
    from maps.compose import province_outline

    outline = province_outline()
    return [
        {"type": "Feature", "id": "lang-son", "geometry": f["geometry"]}
        for f in outline.get("features", [outline])
    ]


@router.get("/static/{name}", summary="The portal's own CSS and JavaScript")
def static(name: str, request: Request) -> Response:
    """Files of service/public/static and the vendored Leaflet (no other origin)."""
    path = LEAFLET.get(name) or STATIC / name
    media = STATIC_TYPES.get(path.suffix) if path else None
    if "/" in name or media is None or path is None or not path.is_file():
        raise HTTPException(404, f"không có tệp '{name}' / no such file")
    return answer(request, entry_for(path.read_bytes(), STARTED, media), "public, max-age=3600")
