"""Issue 16: ``/docs`` is a vendored Swagger UI under a strict policy (no CDN, no inline
script), checked in headless Chromium against a real server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from service.settings import Settings
from service.web.app import create_app
from tests.fixtures.alerts.builders import wait_for

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"]


def test_docs_page_loads_nothing_from_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "cdn" not in csp and "https:" not in csp
    assert "<script>" not in page.text and "http" not in page.text.replace("http-equiv", "")
    bundle = client.get("/static/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 1_000_000
    assert client.get("/static/docs/..%2Fapp.py").status_code == 404
    assert client.get("/redoc").status_code == 404


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(settings, scheduler=False)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    wait_for(lambda: srv.started, timeout=30)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_docs_render_under_the_strict_policy(server: str) -> None:
    errors: list[str] = []
    urls: list[str] = []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page: Any = browser.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: urls.append(r.url))
        page.goto(f"{server}/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        title = page.inner_text(".swagger-ui .info .title")
        operations = page.locator(".opblock").count()
        browser.close()
    assert title.startswith("quantrac")
    assert operations > 20
    assert errors == []  # a CSP violation is reported as a console error
    assert [u for u in urls if not u.startswith((server, "data:"))] == []
