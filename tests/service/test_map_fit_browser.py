"""The duty officer's path on the map at phone, laptop and desktop sizes (headless Chromium).

What an officer meets every day (issue 21): the popup opened from an alert e-mail's link
(``/map?station=…``) or from the alert panel shows its title and close button on screen, the
exceeding station is drawn over any marker it overlaps, the scale is metric, and the export
panel fits without sideways scrolling and only offers the format × CRS pairs the server writes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest

from tests.service import test_map_browser as base
from tests.service.test_map_browser import ARTIFACTS, Demo, _exceedance_files, open_map

# The same demo service and browser recipe as the map's main browser tests (one per module).
demo = base.demo
browser = base.browser
playwright_api = base.playwright_api  # the base module skips when Playwright is missing

pytestmark = pytest.mark.browser

SIZES = [(390, 844), (1366, 768), (1920, 1080)]
# The Đồng Bành industrial zone's wastewater station: its marker overlaps the Đồng Bành cement
# plant's, drawn lower on screen (so on top by Leaflet's default order) at the default zoom.
EXCEEDING = "LS_KCNDB_NT01"

# True when the element is wholly inside the viewport and is what a click at its centre hits.
ON_SCREEN = """sel => {
  const e = document.querySelector(sel);
  if (!e) return false;
  const r = e.getBoundingClientRect();
  if (r.width === 0 || r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
    return false;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && (hit === e || e.contains(hit));
}"""
RECT = "sel => document.querySelector(sel)?.getBoundingClientRect().toJSON()"
VIEW = "(m => [m.getZoom(), m.getCenter(), m.getSize()])(quantracMap.app.map)"
# What sticks out of a panel, for the failure message.
WIDER = """p => [p.scrollWidth, p.clientWidth, ...[...p.querySelectorAll('*')]
  .filter(e => e.getBoundingClientRect().right > p.getBoundingClientRect().right)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().width))]"""
CHART = ".leaflet-popup .qt-chart[data-points], .leaflet-popup .qt-chart svg"
CHART_SVGS = ".leaflet-popup .qt-chart svg"
TITLE = ".leaflet-popup .qt-pop-station h3"
CLOSE = ".leaflet-popup .leaflet-popup-close-button"


def assert_on_screen(page: Any, selector: str) -> None:
    """Poll (the map pans with an animation) until ``selector`` is on screen and unobscured."""
    try:
        page.wait_for_function(ON_SCREEN, arg=selector, timeout=5_000)
    except playwright_api.TimeoutError:
        size = page.viewport_size
        view = page.evaluate(VIEW)
        pytest.fail(f"{selector} not on screen in {size}: {page.evaluate(RECT, selector)}; {view}")


def assert_popup_fits(page: Any, station: str) -> None:
    page.locator(f'.leaflet-popup .qt-pop-station[data-id="{station}"]').wait_for(timeout=5_000)
    # The chart arrives after the popup opened and makes it taller: check after it came.
    page.wait_for_selector(CHART)
    assert_on_screen(page, TITLE)
    assert_on_screen(page, CLOSE)


@pytest.fixture(scope="module")
def exceeding(demo: Demo, browser: Any) -> str:
    """Two hours far above the limits dropped for the station, and its marker turned red."""
    w = open_map(browser, demo.base + "/map")
    for name, data in _exceedance_files(demo, EXCEEDING):
        (demo.drop / name).write_bytes(data)
    red = f'.qt-st[data-id="{EXCEEDING}"][data-state="exceeding"]'
    w.page.wait_for_selector(red, timeout=20_000)
    alert = f'.qt-alert[data-station="{EXCEEDING}"]'
    w.page.wait_for_selector(alert, state="attached", timeout=10_000)
    w.page.close()
    return EXCEEDING


# Counts the map's animated zooms ("zoomanim") from its creation: installed before the page's
# scripts run, through Leaflet's public init hook, as soon as the page defines ``L``.
COUNT_ZOOM_ANIMATIONS = """(() => {
  window.qtZoomAnims = 0;
  let real;
  Object.defineProperty(window, "L", {configurable: true, get: () => real, set: v => {
    real = v;
    const count = () => window.qtZoomAnims++;
    if (v && v.Map) v.Map.addInitHook(function () { this.on("zoomanim", count); });
  }});
})()"""
STATION_VIEW = """id => {
  const app = quantracMap.app, m = app.stationMarkers[id], map = app.map;
  return {zoom: map.getZoom(), inView: map.getBounds().contains(m.getLatLng()),
          zoomAnims: window.qtZoomAnims};
}"""

# Starts an animated zoom out and clicks the station's alert entry while it runs (true), or
# after 120 frames without one (false).
CLICK_DURING_ZOOM = """id => new Promise(done => {
  const map = quantracMap.app.map;
  let frames = 0;
  map.setZoom(map.getZoom() - 1);
  const tick = () => {
    const running = map._animatingZoom;
    if (!running && ++frames < 120) return requestAnimationFrame(tick);
    document.querySelector(`.qt-alert[data-station="${id}"] .qt-alert-head`).click();
    done(!!running);
  };
  requestAnimationFrame(tick);
})"""


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_popup_from_email_link_fits(
    demo: Demo, browser: Any, exceeding: str, width: int, height: int
) -> None:
    """The e-mail link's station is the map's last view change: no animated zoom (such as an
    animated fit to the province, which Leaflet starts a frame later and which used to land
    after the focus now and then) and no tile cancelled by a zoom after the tiles were asked."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.add_init_script(COUNT_ZOOM_ANIMATIONS)
    w = base.Watched(page)
    page.goto(f"{demo.base}/map?station={exceeding}")
    page.wait_for_selector("body[data-qt-ready]", state="attached", timeout=20_000)
    assert_popup_fits(page, exceeding)
    view = page.evaluate(STATION_VIEW, exceeding)
    assert view == {"zoom": 11, "inView": True, "zoomAnims": 0}, view
    assert w.aborted_tiles == [], w.aborted_tiles
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-popup-link-{width}x{height}.png"))
    page.locator(CLOSE).click()
    page.locator(".leaflet-popup").wait_for(state="detached", timeout=3_000)
    w.assert_clean(demo.base)
    page.close()


# The group marker holding a station: its state, members, and whether a click at its centre
# reaches it (nothing drawn over it).
GROUP_OF = """id => {
  const g = [...document.querySelectorAll(".qt-grp")]
    .find(e => e.dataset.ids.split(" ").includes(id));
  if (!g) return null;
  const r = g.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return {state: g.dataset.state, ids: g.dataset.ids.split(" "), top: !!hit && g.contains(hit)};
}"""


def _marker_on_top(page: Any, station: str) -> dict[str, Any]:
    """Which marker a click at the centre of ``station``'s marker hits, and which overlap it."""
    return page.evaluate(
        """id => {
          const me = document.querySelector(`.qt-st[data-id="${id}"]`);
          const r = me.getBoundingClientRect();
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          const top = hit && hit.closest(".qt-st");
          const overlapping = [...document.querySelectorAll(".qt-st")].filter(o => {
            if (o === me) return false;
            const q = o.getBoundingClientRect();
            return q.left < r.right && q.right > r.left && q.top < r.bottom && q.bottom > r.top;
          }).map(o => o.dataset.id);
          return {top: top && top.dataset.id, overlapping};
        }""",
        station,
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_exceeding_marker_on_top_and_panels_fit(
    demo: Demo, browser: Any, exceeding: str, width: int, height: int
) -> None:
    w = open_map(browser, demo.base + "/map", width, height)
    page = w.page
    # Default zoom, then the lowest zoom: the worst station stays the one a click reaches.
    seen = _marker_on_top(page, exceeding)
    assert seen["top"] == exceeding, seen
    # At zoom 7 the overlapping stations are grouped: the group wears the worst state.
    page.evaluate("quantracMap.app.map.setZoom(7, {animate: false})")
    low = page.evaluate(GROUP_OF, exceeding)
    assert low is not None, "the exceeding station is not grouped at zoom 7: proves nothing"
    assert low["state"] == "exceeding" and len(low["ids"]) >= 2 and low["top"], low
    assert page.locator(f'.qt-st[data-id="{exceeding}"]').count() == 0  # drawn as the group
    page.evaluate("quantracMap.app.map.setZoom(9, {animate: false})")
    assert page.locator(".qt-grp").count() == 0
    assert _marker_on_top(page, exceeding)["top"] == exceeding

    scale = page.locator(".leaflet-control-scale-line")
    assert scale.count() == 1  # metric only: no second (imperial) line
    assert scale.inner_text().endswith(("km", " m")), scale.inner_text()

    page.locator(".qt-btn-export").click()
    panel = page.locator(".qt-export")
    panel.wait_for()
    fits = "e => e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= innerWidth"
    assert panel.evaluate(fits), panel.evaluate(WIDER)
    assert panel.locator('a[data-format="kml"]').count() == 5
    panel.locator("select").select_option("EPSG:9215")
    assert panel.locator('a[data-format="kml"]').count() == 0
    assert panel.locator('a[data-format="gpkg"]').count() == 5
    assert "KML" in panel.locator(".qt-export-only").inner_text()
    assert panel.evaluate(fits)
    for href in panel.locator("a.qt-exp").evaluate_all("links => links.map(a => a.href)"):
        assert "crs=EPSG%3A9215" in href, href
    page.screenshot(path=str(ARTIFACTS / f"map-export-{width}x{height}.png"))
    panel.locator(".qt-x").click()  # on a phone the panel covers the bar's button
    assert panel.evaluate("e => e.hidden")

    # The alert panel's entry opens the station's popup, on screen.
    if page.locator(".qt-alerts").evaluate("e => e.hidden"):
        page.locator(".qt-btn-alerts").click()
    item = page.locator(f'.qt-alert[data-station="{exceeding}"]').first
    item.wait_for(timeout=10_000)
    # Clicked while a zoom animation runs (Leaflet would ignore the focus's view change then):
    # the station still ends in view at zoom 11 with its popup on screen.
    assert page.evaluate(CLICK_DURING_ZOOM, exceeding), "no zoom animation ran: proves nothing"
    assert_popup_fits(page, exceeding)
    view = page.evaluate(STATION_VIEW, exceeding)
    assert (view["zoom"], view["inView"]) == (11, True), view
    page.screenshot(path=str(ARTIFACTS / f"map-popup-alert-{width}x{height}.png"))
    w.assert_clean(demo.base)
    page.close()


def test_chart_ranges_and_station_table_link(demo: Demo, browser: Any, exceeding: str) -> None:
    w = open_map(browser, f"{demo.base}/map?station={exceeding}")
    page = w.page
    assert_popup_fits(page, exceeding)
    popup = page.locator(".leaflet-popup")
    link = popup.locator("a.qt-link-table").get_attribute("href")
    assert link == f"/map/stations/{exceeding}"
    assert "format=csv" in (popup.locator("a.qt-link-export").get_attribute("href") or "")
    for choice, interval in (("week", "hour"), ("year", "day")):
        wanted = f"interval={interval}"
        with page.expect_request(lambda r, wanted=wanted: wanted in r.url) as req:
            popup.locator(".qt-chart-range").select_option(choice)
        assert "/readings?" in req.value.url
        page.wait_for_selector(CHART)
    # All parameters: one request for every code, one small chart per parameter with data,
    # each with its limit line where the station has a limit (the exceeding ones do).
    codes = popup.locator(".qt-chart-param option").evaluate_all(
        "options => options.map(o => o.value).filter(v => v !== '*')"
    )
    assert len(codes) >= 2, codes
    with page.expect_request(lambda r: "%2C" in r.url and "/readings?" in r.url) as req:
        popup.locator(".qt-chart-param").select_option("*")
    assert all(code in unquote(req.value.url) for code in codes), req.value.url
    charts = popup.locator(".qt-chart svg")
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-popup .qt-chart svg').length > 1"
    )
    names = popup.locator(".qt-chart .qt-chart-name")
    assert names.count() == charts.count() >= 2
    assert popup.locator(".qt-chart svg .qt-limit").count() >= 1
    assert_on_screen(page, CLOSE)
    table = browser.new_page()
    table.goto(demo.base + link)
    assert "Tải XLSX" in table.content()
    table.close()
    w.assert_clean(demo.base)
    page.close()
