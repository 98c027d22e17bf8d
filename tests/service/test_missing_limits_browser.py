"""A station whose applicable limit has no value, in a real browser (Debian's Chromium, headless):
its marker has the "not assessed: limit missing" colour (never the compliant green), the legend
has that entry, and the admin page lists the missing values with their citation.

The demo's Na Dương stacks are under QCVN 22:2009, whose coal/oil values are NOT FOUND
(regulations.md §5.4): every one of their concentration limits is missing.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maps.styles import STATION_STATES

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
STACK = "LS_NMNDNA_KHI01"
MISSING = next(s for s in STATION_STATES if s.key == "limit_missing")
COMPLIANT = next(s for s in STATION_STATES if s.key == "compliant")


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Demo stations with an hour of history on SQLite, served on a free loopback port."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    import uvicorn

    from service.bootstrap import import_stations, prepare_database
    from service.demo import DEMO_STATIONS
    from service.demo.ingest import backfill_history
    from service.demo.simulator.model import StationModel
    from service.settings import Settings
    from service.web.app import create_app
    from stations.store.sites import list_sites
    from stations.timeutil import now_epoch

    data = tmp_path_factory.mktemp("missing-limits")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data,
        scheduler_enabled=False,
        auth_enabled=False,
    )
    engine = prepare_database(settings)
    import_stations(engine, DEMO_STATIONS)
    with engine.connect() as conn:
        wanted = [s for s in list_sites(conn, site_type="station") if s.id == STACK]
    models = [StationModel(s.id, s.kind, s.parameters) for s in wanted]
    backfill_history(engine, settings, models, 1 / 24, now_epoch())
    engine.dispose()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(base: str) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser.new_page(viewport={"width": 1366, "height": 768})
        browser.close()


def test_marker_and_legend_say_limit_missing(base: str, page: Any) -> None:
    page.goto(base + "/map")
    page.wait_for_selector("body[data-qt-ready]", state="attached", timeout=20_000)
    marker = page.locator(f'.qt-st[data-id="{STACK}"]')
    assert marker.get_attribute("data-state") == "limit_missing"
    border = marker.evaluate("e => getComputedStyle(e).borderTopColor")
    assert border == _rgb(MISSING.colour) != _rgb(COMPLIANT.colour)
    legend = page.locator(".qt-legend-body").inner_text()
    assert MISSING.label_vi in legend


def test_admin_page_lists_the_missing_values(base: str, page: Any) -> None:
    page.goto(base + "/admin")
    count = page.locator("#missing-limits-count").inner_text()
    assert any(ch.isdigit() for ch in count) and "giá trị cần nhập" in count
    page.locator('a[href="/admin/missing-limits"]').click()
    page.wait_for_selector(".missing-group")
    groups = page.locator(".missing-group h2").all_inner_texts()
    assert any(g.startswith("QCVN 22:2009/BTNMT — Bảng 1") for g in groups), groups
    assert any(g.startswith("QCVN 40:2025/BTNMT") for g in groups), groups
    qcvn22 = page.locator(".missing-group", has_text="QCVN 22:2009/BTNMT — Bảng 1")
    assert "TT 25/2009/TT-BTNMT" in qcvn22.inner_text()  # the citation to take it from
    assert STACK in qcvn22.inner_text()  # the station it leaves not assessed
