"""The staff map in a real browser (Debian's Chromium, headless, driven by Playwright).

One demo service (SQLite, demo sites, zones, rasters, a few hours of history, a folder source
polled every second) and one browser serve the whole module.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
EXCEEDING_RGB = "rgb(215, 25, 28)"  # maps.styles STATION_STATES["exceeding"] = #d7191c
# Map tiles: hazard rasters (/tiles/{raster}/{z}/{x}/{y}.png) and the basemap proxy.
TILE_URL = re.compile(r"/(?:tiles/[^/?]+|public/basemap)/\d+/\d+/\d+\.png(?:\?|$)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Demo:
    """The running demo service."""

    def __init__(self, base: str, data_dir: Path, drop: Path, db_url: str) -> None:
        self.base = base
        self.data_dir = data_dir
        self.drop = drop
        self.db_url = db_url


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """Demo data on SQLite and a uvicorn server on a free loopback port (scheduler on)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    import uvicorn
    from rich.console import Console

    from service.bootstrap import import_points, import_stations, prepare_database
    from service.demo import DEMO_POINTS, DEMO_STATIONS
    from service.settings import Settings
    from service.web.app import create_app

    data = tmp_path_factory.mktemp("map-demo")
    drop = data / "drop"
    drop.mkdir()
    sources = data / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"interval_seconds": 1},
                "sources": [{"id": "drop", "type": "folder", "path": str(drop), "after": "move"}],
            }
        ),
        encoding="utf-8",
    )
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data,
        scheduler_enabled=True,
        auth_enabled=False,
        sources_file=sources,
    )
    engine = prepare_database(settings)
    import_stations(engine, DEMO_STATIONS)
    import_points(engine, DEMO_POINTS)
    console = Console(stderr=True, quiet=True)
    for step in ("service.demo.layers", "service.demo.programme"):
        try:
            module = __import__(step, fromlist=["run"])
        except ModuleNotFoundError:
            continue
        module.run(settings, engine, console, 0.2)
    _backfill(engine, settings, hours=3)
    engine.dispose()
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield Demo(f"http://127.0.0.1:{port}", data, drop, settings.db_url)
    server.should_exit = True
    thread.join(timeout=10)


LIVE_STATION = "LS_XLNTLS_NT01"  # gets no history: the live test's files must all be new


def _backfill(engine: Any, settings: Any, hours: float) -> None:
    """A few hours of simulated 5-minute history, so popups have values and charts."""
    try:
        from service.demo.ingest import backfill_history
        from service.demo.simulator.model import StationModel
        from stations.store.sites import list_sites
        from stations.timeutil import now_epoch
    except ModuleNotFoundError:
        return
    with engine.connect() as conn:
        stations = list_sites(conn, site_type="station")
    models = [StationModel(s.id, s.kind, s.parameters) for s in stations if s.id != LIVE_STATION]
    backfill_history(engine, settings, models, hours / 24, now_epoch())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors, failed requests and every URL it asked for."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.urls: list[str] = []
        self.aborted_tiles: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", self._failed)
        page.on("request", lambda r: self.urls.append(r.url))
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed.append(f"{r.url} HTTP {r.status}"),
        )

    def _failed(self, request: Any) -> None:
        # Leaflet cancels the tile images still loading when the zoom changes (it points them
        # at a blank image), and Chromium reports those requests as net::ERR_ABORTED. That is
        # the map following a view change, not a fault of the page or the server, so only that
        # pair (a tile URL, ERR_ABORTED) is set aside; every other failure stays an error.
        if request.failure == "net::ERR_ABORTED" and TILE_URL.search(request.url):
            self.aborted_tiles.append(request.url)
        else:
            self.failed.append(f"{request.url} {request.failure}")

    def assert_clean(self, local: str) -> None:
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed
        foreign = [u for u in self.urls if not u.startswith((local, "data:", "file://"))]
        assert foreign == [], foreign
        assert self.page.evaluate("quantracMap.errors") == []


def open_map(browser: Any, url: str, width: int = 1366, height: int = 768) -> Watched:
    """Open the map and wait until every layer has been loaded."""
    page = browser.new_page(viewport={"width": width, "height": height})
    watched = Watched(page)
    page.goto(url)
    page.wait_for_selector("body[data-qt-ready]", state="attached", timeout=20_000)
    return watched


def _ready(page: Any) -> dict[str, Any]:
    return page.evaluate("Object.assign({}, quantracMap.ready)")


def test_map_loads_offline_with_every_layer(demo: Demo, browser: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    w = open_map(browser, demo.base + "/map")
    page = w.page
    assert page.locator(".qt-st").count() == 13
    assert page.locator("path.qt-pt").count() == 163
    ready = _ready(page)
    assert ready["landslide"] > 0 and ready["flood"] > 0, ready
    assert page.locator("path.qt-zone-landslide").count() == ready["landslide"]
    assert page.locator("path.qt-zone-flood").count() == ready["flood"]
    assert page.locator(".qt-legend-body h4").count() >= 4
    page.screenshot(path=str(ARTIFACTS / "map-1366x768.png"))
    w.assert_clean(demo.base)
    page.close()

    phone = open_map(browser, demo.base + "/map", 390, 844)
    assert phone.page.locator(".qt-st").count() == 13
    phone.page.screenshot(path=str(ARTIFACTS / "map-390x844.png"))
    phone.assert_clean(demo.base)
    phone.page.close()


def test_station_popup_shows_latest_values_and_chart(demo: Demo, browser: Any) -> None:
    w = open_map(browser, demo.base + "/map")
    page = w.page
    page.locator('.qt-st[data-id="LS_SONNMT_KK03"]').click()
    popup = page.locator(".qt-pop-station")
    popup.wait_for(timeout=5_000)
    assert "LS_SONNMT_KK03" in popup.inner_text()
    rows = popup.locator("tbody tr")
    assert rows.count() >= 3
    first = rows.first.inner_text()
    assert re.search(r"\d", first), first  # a value, with its unit and local time
    assert "GMT+7" in popup.inner_text()
    page.wait_for_selector(".qt-chart svg, .qt-chart[data-points]", timeout=5_000)
    w.assert_clean(demo.base)
    page.close()


def test_toggling_layers_hides_and_shows_them(demo: Demo, browser: Any) -> None:
    w = open_map(browser, demo.base + "/map")
    page = w.page
    control = page.locator(".leaflet-control-layers")
    control.hover()
    label = control.locator("label", has_text="Điểm quan trắc định kỳ")
    label.locator("input").click()
    assert page.locator("path.qt-pt").count() == 0
    label.locator("input").click()
    assert page.locator("path.qt-pt").count() == 163
    stations = control.locator("label", has_text="Trạm quan trắc tự động").locator("input")
    stations.click()
    assert page.locator(".qt-st").count() == 0
    stations.click()
    assert page.locator(".qt-st").count() == 13
    w.assert_clean(demo.base)
    page.close()


def test_english_switch_and_search(demo: Demo, browser: Any) -> None:
    w = open_map(browser, demo.base + "/map")
    page = w.page
    assert page.locator(".qt-btn-lang").inner_text() == "English"
    page.locator(".qt-btn-lang").click()
    assert page.locator(".qt-title strong").inner_text() == "Lạng Sơn environmental monitoring map"
    assert page.locator(".leaflet-control-layers label", has_text="Periodic monitoring").count()
    page.locator(".qt-search-input").fill("dong tan")  # no diacritics: finds "Đông Tân"
    page.locator(".qt-result").first.wait_for(timeout=3_000)
    assert "Đông Tân" in page.locator(".qt-results").inner_text()
    page.locator(".qt-result").first.click()
    page.locator(".qt-pop").wait_for(timeout=3_000)
    page.evaluate("localStorage.removeItem('quantrac.lang')")
    w.assert_clean(demo.base)
    page.close()


def _exceedance_files(demo: Demo, station_id: str) -> list[tuple[str, bytes]]:
    """Two hours of five-minute files with every limited parameter far above any limit, so
    at least one complete clock hour has an hourly mean over the limit."""
    from sqlalchemy import create_engine

    from service.demo.simulator.model import render_tt10
    from stations.store.readings import station_units
    from stations.timeutil import now_epoch

    engine = create_engine(demo.db_url)
    with engine.connect() as conn:
        units = station_units(conn)[station_id]
    engine.dispose()
    high = {"COD": 5000.0, "TSS": 5000.0, "BOD5": 3000.0, "NH4": 500.0, "pH": 7.0}
    now = now_epoch() // 300 * 300
    files = []
    for k in range(24, -1, -1):
        lines = [(p, high.get(p, 100.0), u, "00") for p, u in units.items()]
        files.append(render_tt10(station_id, now - k * 300, lines))
    return files


def test_exceedance_turns_marker_red_and_alert_appears_live(demo: Demo, browser: Any) -> None:
    pytest.importorskip("service.worker.jobs.compliance")
    station = LIVE_STATION
    w = open_map(browser, demo.base + "/map")
    page = w.page
    marker = page.locator(f'.qt-st[data-id="{station}"]')
    assert marker.get_attribute("data-state") != "exceeding"
    page.evaluate("window.__sameDocument = true")
    for name, data in _exceedance_files(demo, station):
        (demo.drop / name).write_bytes(data)
    started = time.monotonic()
    try:
        page.wait_for_selector(
            f'.qt-st[data-id="{station}"][data-state="exceeding"]', timeout=10_000
        )
    except playwright_api.TimeoutError:
        import httpx

        props = next(
            f["properties"]
            for f in httpx.get(demo.base + "/api/stations").json()["features"]
            if f["id"] == station
        )
        left = sorted(p.name for p in demo.drop.iterdir())
        alerts = httpx.get(demo.base + "/api/alerts?state=open").json()
        pytest.fail(
            f"marker not exceeding after 10 s; files left in drop: {len(left)}; "
            f"compliance_state={props.get('compliance_state')} "
            f"open_exceedances={props.get('open_exceedances')} "
            f"last={props.get('last_observed_at')}; open alerts: {len(alerts)}"
        )
    page.wait_for_selector(f'.qt-alert[data-station="{station}"]', timeout=10_000)
    assert time.monotonic() - started < 10
    border = marker.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == EXCEEDING_RGB
    assert page.evaluate("window.__sameDocument === true")  # no reload happened
    page.screenshot(path=str(ARTIFACTS / "map-exceedance.png"))
    # Acknowledge from the panel.
    item = page.locator(f'.qt-alert.qt-alert-firing[data-station="{station}"]').first
    item.locator(".qt-ack").click()
    item.locator("input[name=by]").fill("Cán bộ trực")
    item.locator("button[type=submit]").click()
    page.wait_for_selector(f'.qt-alert-acknowledged[data-station="{station}"]', timeout=5_000)
    w.assert_clean(demo.base)
    page.close()


def test_exported_html_opens_from_disk(demo: Demo, browser: Any, tmp_path: Path) -> None:
    out = tmp_path / "ban-do.html"
    env = {**os.environ, "QUANTRAC_DATA_DIR": str(demo.data_dir)}
    cli = "from service.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", cli, "--db", demo.db_url, "map", "export", "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    html = out.read_text(encoding="utf-8")
    assert "/static/map/" not in html and "<script src=" not in html
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    w = Watched(page)
    page.goto(out.as_uri())
    page.wait_for_selector("body[data-qt-ready]", state="attached", timeout=20_000)
    assert page.locator(".qt-st").count() == 13
    assert page.locator("path.qt-pt").count() == 163
    ready = _ready(page)
    assert ready["landslide"] > 0 and ready["flood"] > 0
    assert all(u.startswith(("file://", "data:")) for u in w.urls), w.urls[:5]
    page.locator(".qt-st").first.click()
    page.locator(".qt-pop-station").wait_for(timeout=3_000)
    page.screenshot(path=str(ARTIFACTS / "map-export.png"))
    w.assert_clean("file://")
    page.close()
