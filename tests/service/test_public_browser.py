"""The public portal in Debian's Chromium (Playwright), phone and desktop: no off-site request,
the silent station grey "no data", the AQI the staff API gives, the English switch, the widget
framed by a page from another local port, and axe-core with no serious or critical violation.
"""

from __future__ import annotations

import http.server
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.public_seed import LIVE, SILENT
from tests.service.public_server import Served, Upstream, free_port, serve_public

pytestmark = [pytest.mark.browser, pytest.mark.slow]
playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "var" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage"]  # fmt: skip
GREY = "rgb(117, 117, 117)"  # --nodata #757575: never an AQI colour
VIEWPORTS = [(390, 844), (1366, 768)]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    # public_read: the staff AQI API is readable without login, to compare with it
    up = Upstream()
    tmp = tmp_path_factory.mktemp("public")
    with serve_public(tmp, public_read=True, basemap_url=up.url) as s:
        s.upstream = up  # type: ignore[attr-defined]
        yield s
    up.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "axe-core.sh")], check=False)
    if not AXE.exists():
        pytest.skip("axe-core not installed (scripts/axe-core.sh needs npm)")
    return AXE.read_text(encoding="utf-8")


def _open(browser: Any, url: str, size: tuple[int, int]) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    urls: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: urls.append(r.url))
    # A tile the map itself cancels (zoom, leaving the page) is not a failure.
    page.on(
        "requestfailed",
        lambda r: "ERR_ABORTED" not in str(r.failure) and failed.append(f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} {r.status}"))
    page.goto(url)
    page.wait_for_selector(f"#{LIVE} .aqi[data-aqi]")
    return page, urls, failed


def _serious(page: Any, axe_source: str) -> list[str]:
    page.evaluate(axe_source)  # through DevTools: the page's CSP forbids foreign scripts
    result = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa']}))"
        ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(result)


@pytest.mark.parametrize("size", VIEWPORTS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_public_page(served: Served, browser: Any, axe_source: str, size: tuple) -> None:
    page, urls, failed = _open(browser, f"{served.base}/public", size)
    try:
        # The official number, the same as the staff API's latest hour.
        api = httpx.get(f"{served.base}/api/aqi", params={"station": LIVE}).json()
        items = api["items"] if isinstance(api, dict) else api
        shown = page.get_attribute(f"#{LIVE} .aqi", "data-aqi")
        assert shown == str(items[-1]["aqi"]) == "80"
        assert "cập nhật" in page.inner_text(f"#{LIVE} .fresh")
        # Silent for two days: grey "no data", not the red it had then.
        silent = page.locator(f"#{SILENT} .aqi")
        assert silent.inner_text() == "Không có dữ liệu"
        assert silent.evaluate("e => getComputedStyle(e).backgroundColor") == GREY
        # Accent-insensitive commune search.
        page.fill("#search", "dong tan")
        assert page.is_visible(f"#{SILENT}") and not page.is_visible(f"#{LIVE}")
        page.fill("#search", "")
        # The 7-day chart draws from /public/stations/{id}/week.json.
        page.click(f"#{LIVE} button")
        page.wait_for_selector(f"#chart-{LIVE} svg rect")
        assert _serious(page, axe_source) == []
        # English.
        page.click("#lang-switch")
        page.wait_for_selector(f"#{LIVE} .aqi[data-aqi]")
        assert page.get_attribute("html", "lang") == "en"
        assert page.locator(f"#{SILENT} .aqi").inner_text() == "No data"
        assert "Moderate" in page.inner_text(f"#{LIVE} .aqi")
        assert _serious(page, axe_source) == []
        # The check can fail: pale grey on white is a serious contrast violation.
        page.evaluate(
            "() => { const p = document.createElement('p'); p.textContent = 'faint';"
            " p.style.color = '#eeeeee'; document.querySelector('main').append(p); }"
        )
        assert any(v.startswith("color-contrast") for v in _serious(page, axe_source))
        assert failed == []
        assert [u for u in urls if not u.startswith((served.base, "data:"))] == []
    finally:
        page.close()


def test_widget_in_an_iframe_of_another_site(served: Served, browser: Any, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    src = f"{served.base}/public/widget/aqi?station={LIVE}"
    (site / "index.html").write_text(
        f'<!doctype html><html lang="en"><title>x</title><iframe title="AQI" src="{src}" '
        'width="240" height="150"></iframe></html>',
        encoding="utf-8",
    )
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(site), **k)  # noqa: E731
    other = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/index.html")
        frame = page.frame_locator("iframe")
        assert frame.locator(".aqi").inner_text(timeout=10_000) == "80"
        assert "Trung bình" in frame.locator(".label").inner_text()
    finally:
        page.close()
        other.shutdown()
        other.server_close()


def test_basemap_only_through_our_proxy_and_after_the_upstream_stops(
    served: Served, browser: Any
) -> None:
    upstream = served.upstream  # type: ignore[attr-defined]
    seen: list[list[str]] = []
    for _visit in range(2):
        page, urls, failed = _open(browser, f"{served.base}/public", (1366, 768))
        try:
            page.wait_for_selector("#map img.leaflet-tile-loaded")
            page.wait_for_load_state("networkidle")
            tiles = [u for u in urls if "/basemap/" in u]
            assert tiles and all(u.startswith(f"{served.base}/public/basemap/") for u in tiles)
            assert failed == []
            assert [u for u in urls if not u.startswith((served.base, "data:"))] == []
            assert (
                page.locator("#map .leaflet-control-attribution")
                .inner_text()
                .count("OpenStreetMap")
            )
            seen.append(sorted(tiles))
        finally:
            page.context.close()
        if _visit == 0:
            assert upstream.paths  # the proxy asked the stand-in upstream
            upstream.stop()  # the second visit: the upstream is gone
    assert seen[0] == seen[1]  # the same tiles, all from our disk cache
