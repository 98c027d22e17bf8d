"""End to end with real servers: rain files polled over FTP → levels rise → one alert per commune
per level → CAP validates → the map shows the level in Chromium → the rain stops, levels fall
and the alerts resolve after the hold."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from service.database import make_engine
from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import local_stamp
from service.demo.simulator.runner import FtpUploader
from service.runtime import Runtime
from service.source_types.ftp import FtpSourceConfig
from service.worker.jobs.ingest import poll_source
from stations.rain import PARAMETER
from stations.store import rain as store
from stations.store.alert_tables import alert_outbox, alerts
from tests.layers.helpers import live_server
from tests.warnings.scenario import STEP, T0, load_places, storm

pytestmark = [pytest.mark.ftp, pytest.mark.slow]
XSD = Path(__file__).resolve().parents[2] / "layers" / "data" / "cap" / "CAP-v1.2.xsd"
CHROMIUM = "/usr/bin/chromium"
ALERTS_YAML = """
contacts:
  - {id: duty, email: truc.ban@example.vn}
duty_officer: duty
timing: {resolve_hold_minutes: 60}
"""


def day_file(gauge: str, start: int, values: list[float]) -> tuple[str, bytes]:
    """One Circular 10 file with one line per 10-minute interval."""
    lines, stamp = [], ""
    for i, v in enumerate(values):
        stamp = local_stamp(start + i * STEP)
        lines.append(f"{PARAMETER}\t{v:.3f}\tmm\t{stamp}\t00\r\n")
    return f"{gauge}_{stamp}.txt", "".join(lines).encode()


def upload(ftp: LocalFtpServer, password: str, start: int, values: list[float]) -> None:
    send = FtpUploader(ftp.host, ftp.port, ftp.user, password)
    for gauge in ("G1", "G2"):
        name, data = day_file(gauge, start, values)
        send(gauge, name, data)


def commune_alerts(engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(alerts).where(alerts.c.rule.like("qd18:commune:%"))))


def test_storm_over_ftp_to_alerts_cap_map_and_back(settings, tmp_path: Path) -> None:
    alerts_file = tmp_path / "alerts.yaml"
    alerts_file.write_text(ALERTS_YAML, encoding="utf-8")
    settings = settings.model_copy(update={"alerts_file": alerts_file})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    load_places(engine, tmp_path)
    ctx = Runtime(settings=settings, engine=engine)  # its after-ingest chain ends in "warnings"
    password = "pw-" + os.urandom(4).hex()
    with LocalFtpServer(tmp_path / "ftp", password=password) as ftp:
        cfg = FtpSourceConfig(
            id="rain-ftp",
            type="ftp",
            host=ftp.host,
            port=ftp.port,
            user=ftp.user,
            password=password,
            batch_files=100,
        )
        series = storm([0, 0, 20, 150])
        upload(ftp, password, T0, series)
        assert poll_source(ctx, cfg).finished == 2

        # Levels rose: A (high zone) level 2 (provisional clause), B (medium) level 1.
        with engine.connect() as conn:
            latest = store.last_levels(conn)
        assert latest[("commune", "A")].issued_level == 2
        assert latest[("commune", "B")].issued_level == 1
        assert latest[("commune", "C")].status == "no_data"
        rules = sorted((r.rule, r.state) for r in commune_alerts(engine))
        assert rules == [
            ("qd18:commune:A:1", "firing"),
            ("qd18:commune:A:2", "firing"),
            ("qd18:commune:B:1", "firing"),
        ]
        with engine.connect() as conn:
            to_duty = {m.address for m in conn.execute(select(alert_outbox))}
        assert to_duty == {"truc.ban@example.vn"}

        with live_server(settings) as base:
            import httpx

            cap = httpx.get(f"{base}/api/warnings.cap", timeout=10)
            schema = etree.XMLSchema(etree.parse(str(XSD)))
            schema.assertValid(etree.fromstring(cap.content))
            if Path(CHROMIUM).exists():
                _map_shows_levels(base)

        # The rain stops: a dry day and a half. The issued level falls after the 6-h hold and
        # the alerts resolve one hour (the alert hold) after that.
        end = T0 + len(series) * STEP
        upload(ftp, password, end, [0.0] * 144)
        upload(ftp, password, end + 144 * STEP, [0.0] * 72)
        poll_source(ctx, cfg)
    with engine.connect() as conn:
        latest = store.last_levels(conn)
    assert latest[("commune", "A")].issued_level == 0
    assert latest[("commune", "A")].level == 0
    rows = commune_alerts(engine)
    assert len(rows) == 3 and all(r.state == "resolved" for r in rows)
    engine.dispose()


def _map_shows_levels(base: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{base}/map")
            page.wait_for_function(
                "window.quantracWarningState && window.quantracWarningState.on", timeout=20000
            )
            state = page.evaluate("window.quantracWarningState")
            assert state["raised"] and state["communes"] == 3
            fills = page.eval_on_selector_all(
                "path.leaflet-interactive", "els => els.map(e => e.getAttribute('fill'))"
            )
            assert "#fff2a8" in fills and "#9fd3f2" in fills  # Điều 4 colours of levels 2 and 1
        finally:
            browser.close()
