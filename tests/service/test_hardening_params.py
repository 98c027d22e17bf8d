"""Issue 16 probe finding F6: requests that were 500s (huge ids, year 1, a NUL byte) are 4xx,
and a 500 (whatever its cause) still carries the security headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service.settings import Settings
from service.web.app import create_app
from tests.fixtures.alerts.builders import make_station

BIG = str(2**63)  # one past the largest 64-bit id

PROBES = [
    ("get", f"/api/alerts/{BIG}"),
    ("post", f"/api/alerts/{BIG}/ack"),
    ("post", f"/api/alerts/outbox/{BIG}/retry"),
    ("get", f"/api/alerts/outbox?alert={BIG}"),
    ("get", f"/api/rounds/{BIG}/report"),
    ("get", "/api/exceedances?start=0001-01-01"),
    ("get", "/api/exceedances?end=0001-01-02"),
    ("get", "/api/aqi?start=0001-01-01"),
    ("get", "/api/stations/LS_TEST_NT01/compliance?start=0001-01-01"),
    ("get", "/api/stations/LS_TEST_NT01/readings?start=0001-01-01&interval=day"),
    ("get", "/api/exceedances?end=9999-12-31T23:59:59-12:00"),
    ("get", "/static/map/%00"),
    ("get", "/static/map/leaflet/%00.js"),
]


@pytest.mark.parametrize(("method", "url"), PROBES, ids=[u for _, u in PROBES])
def test_f6_probe_is_a_4xx_not_a_500(client: TestClient, method: str, url: str) -> None:
    make_station(client.app.state.ctx.engine)  # type: ignore[attr-defined]
    kwargs = {"json": {"by": "An"}} if method == "post" else {}
    response = getattr(client, method)(url, **kwargs)
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:200])
    assert "detail" in response.json()


def test_f6_a_500_answer_keeps_the_security_headers(settings: Settings) -> None:
    app = create_app(settings, scheduler=False)

    @app.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("internal detail")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/api/boom")
    assert response.status_code == 500
    assert "internal detail" not in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
