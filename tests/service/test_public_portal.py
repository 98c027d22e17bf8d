"""The public portal on both backends: content (VN_AQI, freshness, "no data"), the allow-list
field sweep, disclosure settings, caching (ETag, Last-Modified, gzip, one build per data
change, snapshot files), rate limit, widget, open data and the share image."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine

from layers import revision
from service.auth.accounts import create_account
from service.auth.credentials import issue_token
from service.public.allowlist import check
from service.public.steps import refresh_public
from service.settings import Settings
from service.web.app import create_app
from stations.timeutil import now_epoch
from tests.service.public_seed import LIVE, SILENT, H, seed, send
from tests.service.public_server import Upstream

FLUEGAS = "LS_NMNDNA_KHI01"


def _settings(settings: Settings, **changes: object) -> Settings:
    return settings.model_copy(update={"auth_enabled": True, **changes})


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.fixture
def public(seeded: Engine, settings: Settings) -> Iterator[TestClient]:
    """A client with access control ON and nobody logged in."""
    with TestClient(create_app(_settings(settings), scheduler=False)) as c:
        yield c


def test_air_stations_show_official_aqi_and_silent_ones_show_no_data(
    seeded: Engine, settings: Settings, public: TestClient
) -> None:
    doc = public.get("/public/data.json").json()
    air = {s["id"]: s for s in doc["air"]}
    live = air[LIVE]
    # PM2.5 40 µg/m³ for 14 h: NowCast 40 → 50 + (40−25)·50/25 = 80, "Trung bình", yellow.
    assert live["status"] == "ok"
    assert live["hourly"]["aqi"] == 80 and live["hourly"]["dominant"] == "PM2.5"
    assert (live["hourly"]["category"], live["hourly"]["colour"]) == (2, "#ffff00")
    # Yesterday's 24-h PM2.5 mean 40 → daily VN_AQI 80 as well (QĐ 1459 §2.2.2).
    assert live["daily"]["aqi"] == 80 and live["daily"]["at"].endswith("T00:00:00+07:00")
    assert live["concentrations"]["PM2.5"] == {
        "value": 40.0,
        "unit": "µg/Nm³",
        "observed_at": live["last_observed_at"],
    }
    # The silent station had AQI 200+ two days ago: it must not show that colour now.
    silent = air[SILENT]
    assert silent["status"] == "no_data" and silent["hourly"] is None
    assert silent["concentrations"] == {}
    # The same number as the staff API (one source of truth: the aqi_hourly table).
    with TestClient(create_app(settings, scheduler=False)) as staff:
        rows = staff.get("/api/aqi", params={"station": LIVE, "interval": "hour"}).json()
    items = rows["items"] if isinstance(rows, dict) else rows
    assert items[-1]["aqi"] == live["hourly"]["aqi"]
    # QĐ 1459 Bảng 5 advice travels with the categories.
    cat2 = doc["categories"][1]
    assert "ho hoặc khó thở" in cat2["sensitive_vi"] and "QĐ 1459" in cat2["citation"]
    assert doc["licence"] and doc["attribution"] and "1459" in doc["method"]


def _public_urls(app: FastAPI) -> list[str]:
    """Every public GET route from the OpenAPI document (routes added later are swept too)."""
    urls = []
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/public") or "get" not in operations:
            continue
        path = path.replace("{station}", LIVE).replace("{name}", "public.js")
        if "{layer}" in path:
            urls += [f"/public/open-data/{x}.{f}" for x in ("air", "sources", "points")
                     for f in ("geojson", "csv")]  # fmt: skip
            continue
        if "widget" in path:
            path += f"?station={LIVE}"
        if "{z}" in path:  # a tile of Lạng Sơn city at zoom 12
            path = path.replace("{z}/{x}/{y}", "12/3262/1793")
        if "subscriptions/" in path:
            path += "?id=1&sig=0123456789"  # a wrong link: the page says so
        urls.append(path)
    return urls


def test_field_sweep_no_public_answer_holds_a_key_outside_the_allow_list(
    seeded: Engine, settings: Settings, tmp_path: Path
) -> None:
    secrets_seen = []
    with seeded.begin() as conn:
        create_account(
            conn,
            username="officer.nguyen",
            display_name="Nguyễn Thị Bí Mật",
            role="admin",
            password="correct horse battery",
            actor="test",
            now=1,
        )
        _info, token = issue_token(conn, username="officer.nguyen", name="ci", actor="t", now=1)
    secrets_seen += ["officer.nguyen", "Nguyễn Thị Bí Mật", token, "argon2"]
    alerts = tmp_path / "alerts.yaml"
    contact = {
        "name": "Trần Văn Liên Hệ",
        "email": "lienhe@example.vn",
        "webhook": "https://hooks.example.vn/secret-path-4711",
    }
    alerts.write_text(yaml.safe_dump({"contacts": [{"id": "duty", **contact}]}, allow_unicode=True))
    secrets_seen += list(contact.values())
    # Permit details of the demo stacks (coefficients, O2 reference, column) are never public.
    secrets_seen += ['"kp"', '"o2_ref"', '"coefficients"', "QCVN 22:2009"]
    upstream = Upstream()
    s = _settings(settings, alerts_file=alerts, public_fluegas="values", basemap_url=upstream.url)
    app = create_app(s, scheduler=False)
    urls = _public_urls(app)
    assert len(urls) >= 12  # page, data, week, widget ×2, og, 6 downloads, sw, static
    with TestClient(app) as c:
        for url in urls:
            r = c.get(url)
            assert r.status_code == (404 if "subscriptions/" in url else 200), url
            if r.headers["content-type"].startswith(("application/json", "application/geo")):
                assert check(r.json()) == [], url
            if not r.headers["content-type"].startswith("image/"):
                for secret in secrets_seen:
                    assert secret not in r.text, (url, secret)
    upstream.stop()
    assert upstream.paths == ["/12/3262/1793.png"]


def test_disclosure_settings_decide_what_emission_sources_show(
    seeded: Engine, settings: Settings
) -> None:
    def sources(**changes: str) -> dict[str, dict]:
        with TestClient(create_app(_settings(settings, **changes), scheduler=False)) as c:
            return {x["id"]: x for x in c.get("/public/data.json").json()["sources"]}

    status_only = sources()
    assert FLUEGAS in status_only and status_only[FLUEGAS]["values"] is None
    assert status_only[FLUEGAS]["state"] is None  # no data: not assessed, never "compliant"
    hidden = sources(public_fluegas="hidden", public_wastewater="hidden")
    assert hidden == {}
    shown = sources(public_wastewater="hidden")
    assert shown and all(x["kind"] == "fluegas" for x in shown.values())


def test_answers_are_cached_per_data_change_with_etag_gzip_and_snapshot_files(
    seeded: Engine, settings: Settings
) -> None:
    s = _settings(settings)
    app = create_app(s, scheduler=False)
    with TestClient(app) as c:
        first = c.get("/public/data.json", headers={"Accept-Encoding": "gzip"})
        assert first.headers["content-encoding"] == "gzip"
        assert "max-age" in first.headers["cache-control"]
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = c.get("/public/data.json", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        since = c.get("/public/data.json", headers={"If-Modified-Since": modified})
        assert since.status_code == 304
        cache = app.state.ctx.public.cache
        assert cache.builds == 1  # three requests, one build
        files = s.data_dir / "public"
        assert json.loads((files / "data.json").read_bytes()) == first.json()
        assert (
            gzip.decompress((files / "data.json.gz").read_bytes())
            == (files / "data.json").read_bytes()
        )
        # New data: the after-ingest step rewrites the files once; the answer changes with them.
        send(seeded, SILENT, now_epoch() - 2 * H, now_epoch(), {"PM2.5": 10.0, "PM10": 20.0})
        revision.bump_data()
        refresh_public(app.state.ctx)  # the after-ingest step
        assert cache.builds == 2
        fresh = c.get("/public/data.json", headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.json() != first.json()
        assert json.loads((files / "data.json").read_bytes()) == fresh.json()
        silent = {x["id"]: x for x in fresh.json()["air"]}[SILENT]
        assert silent["status"] == "ok" and silent["concentrations"]["PM2.5"]["value"] == 10.0
        page = c.get("/public")
        assert page.status_code == 200 and '<html lang="vi"' in page.text
        # The page and its data under 250 KB transferred (gzip as browsers ask).
        sent = 0
        for url in ("/public", "/public/static/public.css", "/public/static/public.js",
                    "/public/static/leaflet.js", "/public/static/leaflet.css",
                    "/public/data.json", "/public/outlines.geojson", "/public/sw.js"):  # fmt: skip
            r = c.get(url, headers={"Accept-Encoding": "gzip"})
            sent += int(r.headers["content-length"])  # bytes on the wire
        assert 0 < sent < 250_000
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert "unsafe-inline" not in page.headers["content-security-policy"]


def test_rate_limit_per_client_address(seeded: Engine, settings: Settings) -> None:
    with TestClient(create_app(_settings(settings, public_requests_per_minute=3))) as c:
        codes = [c.get("/public/static/public.css").status_code for _ in range(4)]
        assert codes[:3] == [200, 200, 200]
        refused = c.get("/public/static/public.css")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert "too many requests" in refused.json()["detail"]


def test_widget_open_data_and_share_image(public: TestClient) -> None:
    html = public.get(f"/public/widget/aqi?station={LIVE}&lang=en")
    assert "x-frame-options" not in html.headers
    assert "frame-ancestors *" in html.headers["content-security-policy"]
    assert 'data-aqi="80"' in html.text and "Moderate" in html.text
    grey = public.get(f"/public/widget/aqi?station={SILENT}")
    assert "Không có dữ liệu" in grey.text and 'class="widget nodata"' in grey.text
    data = public.get(f"/public/widget/aqi.json?station={LIVE}")
    assert data.headers["access-control-allow-origin"] == "*"
    assert data.json()["hourly"]["aqi"] == 80 and check(data.json()) == []
    assert public.get("/public/widget/aqi.json?station=LS_NMNDNA_KHI01").status_code == 404
    fc = public.get("/public/open-data/air.geojson").json()
    assert fc["licence"] == "CC BY 4.0" and len(fc["features"]) == 3
    csv_text = public.get("/public/open-data/air.csv").text
    assert csv_text.startswith("# licence: CC BY 4.0") and "hourly.aqi" in csv_text
    for station, rgb in ((LIVE, (255, 255, 0)), (SILENT, (0x75, 0x75, 0x75))):
        png = public.get(f"/public/og/{station}.png")
        img = Image.open(io.BytesIO(png.content))
        assert img.size == (1200, 630) and img.getpixel((1150, 580)) == rgb
    page = public.get(f"/public?station={LIVE}")
    assert re.search(rf'og:image" content="[^"]+/public/og/{LIVE}\.png"', page.text)
    week = public.get(f"/public/stations/{LIVE}/week.json").json()
    assert week["hours"] and week["hours"][-1]["aqi"] == 80 and check(week) == []


def test_the_sweep_check_names_keys_outside_the_list() -> None:
    leaked = {"air": [{"id": "A", "permit": {"kp": 0.9}, "concentrations": {"password": {}}}]}
    assert check(leaked) == [
        "$.air[0].permit",
        "$.air[0].permit.kp",
        "$.air[0].concentrations.password",
    ]
