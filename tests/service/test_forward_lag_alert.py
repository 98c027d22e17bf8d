"""The forwarding lag as an alert of the alert engine (rule type ``forward_lag``).

The ministry's FTP server (pyftpdlib on loopback) goes down while files arrive: once the
oldest unconfirmed file has waited longer than the threshold, one alert about the destination
opens and reaches a real SMTP server and a real webhook through the alert outbox; the server
comes back, the backlog drains and the alert resolves after the rule's hold. Time past the
threshold is a shifted clock given to both the forwarding and the alert runtime (no sleeps).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from service.bootstrap import import_stations
from service.context import AppContext
from service.database import make_engine
from service.forwarding import forwarding_for
from service.settings import Settings
from service.sources_config import load_sources
from service.web.app import create_app
from service.worker.jobs.ingest import poll_source
from stations.alerts.config import AlertConfig
from stations.alerts.engine import run_pass
from stations.alerts.forward_lag import LagReading
from stations.store.alert_tables import alert_outbox, alerts
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import SmtpServer, WebhookReceiver
from tests.fixtures.faults.ftp import FaultyFtpServer
from tests.fixtures.forwarding import (
    MINISTRY_PASSWORD,
    folder_sources,
    forward_file,
    held,
    ministry_server,
    models,
    write_slots,
)

ROOT = Path(__file__).resolve().parents[2]
MIN = 60
pytestmark = pytest.mark.ftp


def _alerts_file(tmp: Path, webhook: str) -> Path:
    path = tmp / "alerts.yaml"
    doc = {
        "rules": [{"id": "ministry_lag", "type": "forward_lag", "resolve_hold_minutes": 10}],
        "contacts": [
            {"id": "officer", "email": "officer@sonnmt.langson.gov.vn"},
            {"id": "system", "webhook": webhook, "channels": ["webhook"]},
        ],
        "lists": {"duty": ["officer", "system"]},
        "duty_officer": "duty",
        "delivery": {"retry_base_seconds": 1, "retry_max_seconds": 1},
    }
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


class Clock:
    """The wall clock shifted by ``offset`` seconds (the outage lasting minutes)."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return now_epoch() + self.offset


@pytest.fixture
def receivers() -> Iterator[tuple[SmtpServer, WebhookReceiver]]:
    smtp, hook = SmtpServer(), WebhookReceiver()
    smtp.start()
    yield smtp, hook
    smtp.stop()
    hook.close()


@pytest.fixture
def ministry(tmp_path: Path) -> Iterator[FaultyFtpServer]:
    with ministry_server(tmp_path / "ministry") as server:
        yield server


def _rows(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.id)))


def test_ministry_down_opens_one_alert_delivered_then_resolved_after_the_hold(
    settings: Settings,
    ministry: FaultyFtpServer,
    receivers: tuple[SmtpServer, WebhookReceiver],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    smtp, hook = receivers
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    facility = tmp_path / "facility"
    facility.mkdir()
    s = settings.model_copy(
        update={
            "sources_file": folder_sources(tmp_path, facility),
            "forward_file": forward_file(tmp_path, ministry.port, lag_alert_minutes=30),
            "alerts_file": _alerts_file(tmp_path, hook.url),
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
        }
    )
    engine = make_engine(s.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    ctx = AppContext(settings=s, engine=engine)
    clock = Clock()
    fwd = forwarding_for(ctx)
    fwd.clock = ctx.alerts.clock = clock
    try:
        ministry.down()
        now = now_epoch() // 300 * 300
        sent = write_slots(facility, models(engine, 3), [now - 600, now - 300])
        assert ctx.settings.sources_file is not None
        poll_source(ctx, load_sources(ctx.settings.sources_file).sources[0])
        assert fwd.send("ministry").error is not None
        assert fwd.lagging == set() and _rows(engine, alerts) == []  # under 30 min: no alert

        clock.offset = 31 * MIN  # the outage lasts: the oldest file waits past the threshold
        assert fwd.send("ministry").error is not None and fwd.lagging == {"ministry"}
        clock.offset = 33 * MIN
        fwd.send("ministry")  # still lagging: the same alert, no new message
        (alert,) = _rows(engine, alerts)
        assert (alert.station_id, alert.subject, alert.rule, alert.state) == (
            None,
            "destination:ministry",
            "ministry_lag",
            "firing",
        )
        assert alert.value is not None and alert.value > 30 and alert.limit_value == 30
        assert alert.details["pending"] == len(sent) == 6
        assert ctx.alerts.send().sent == 2  # e-mail + webhook, through the outbox
        (mail,) = smtp.messages
        assert "Chậm chuyển tiếp dữ liệu tới nơi nhận" in mail["Subject"]
        body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "Nơi nhận dữ liệu chuyển tiếp: ministry" in body and "Số tệp đang chờ: 6" in body
        assert "/admin/forwarding" in body
        (opened,) = [c["json"] for c in hook.calls]
        assert opened["notification"] == "opened"
        assert opened["alert"]["station_id"] is None
        assert opened["alert"]["subject"] == "destination:ministry"
        assert opened["alert"]["rule_type"] == "forward_lag"

        with TestClient(create_app(s, scheduler=False)) as client:
            listed = client.get("/api/alerts?state=open")
            detail = client.get(f"/api/alerts/{alert.id}")
            acked = client.post(f"/api/alerts/{alert.id}/ack", json={"by": "Cán bộ trực"})
        assert listed.status_code == 200 and detail.status_code == 200
        assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
        (doc,) = listed.json()
        assert (doc["station_id"], doc["station_name"], doc["kind"]) == (
            None,
            "ministry",
            "destination",
        )
        assert doc["message_vi"].startswith("Chậm chuyển tiếp dữ liệu tới nơi nhận: ministry")
        assert doc["map_url"].endswith("/admin/forwarding")

        ministry.up()  # back: the backlog drains, the lag clears, the hold starts
        clock.offset = 34 * MIN
        assert fwd.send("ministry").sent == 6 and fwd.lagging == set()
        assert len(held(ministry.root)) == 6
        (alert,) = _rows(engine, alerts)
        assert alert.state == "acknowledged" and alert.clear_since is not None
        clock.offset = 40 * MIN  # within the hold: still open
        ctx.alerts.evaluate()
        assert _rows(engine, alerts)[0].state == "acknowledged"
        clock.offset = 45 * MIN  # clear for the 10-minute hold: resolved
        ctx.alerts.evaluate()
        (alert,) = _rows(engine, alerts)
        assert alert.state == "resolved" and alert.open_key is None
        assert ctx.alerts.send().sent == 2
        assert [c["json"]["notification"] for c in hook.calls] == ["opened", "resolved"]
        assert len(smtp.messages) == 2 and len(_rows(engine, alert_outbox)) == 4
    finally:
        engine.dispose()


def _reading(dest: str, lag_min: float, pending: int = 5) -> LagReading:
    now = now_epoch()
    oldest = now - int(lag_min * MIN) if pending else None
    return LagReading(dest, int(lag_min * MIN) if pending else 0, pending, oldest, 30 * MIN)


@pytest.mark.parametrize(
    ("rules", "lag_min", "opens"),
    [
        ([], 31, True),  # the default rule, the forwarding file's 30 minutes
        ([], 29, False),
        ([{"id": "fl", "type": "forward_lag", "after_minutes": 60}], 45, False),  # rule wins
        ([{"id": "fl", "type": "forward_lag", "after_minutes": 10}], 11, True),
        ([{"id": "fl", "type": "forward_lag", "enabled": False}], 90, False),
        (  # the most specific rule of the destination applies
            [
                {"id": "all", "type": "forward_lag"},
                {
                    "id": "m",
                    "type": "forward_lag",
                    "match": {"destination": "ministry"},
                    "after_minutes": 120,
                },
            ],
            90,
            False,
        ),
    ],
)
def test_the_rule_and_its_threshold(
    engine: Engine, rules: list[dict[str, Any]], lag_min: float, opens: bool
) -> None:
    config = AlertConfig.model_validate({"rules": rules} if rules else {})
    with engine.begin() as conn:
        run_pass(conn, config, now_epoch(), base_url="", lags=[_reading("ministry", lag_min)])
    assert len(_rows(engine, alerts)) == int(opens)


def test_a_destination_removed_from_the_forwarding_file_clears_its_alert(engine: Engine) -> None:
    config = AlertConfig.model_validate({"timing": {"resolve_hold_minutes": 0}})
    with engine.begin() as conn:
        run_pass(conn, config, now_epoch(), base_url="", lags=[_reading("ministry", 45)])
    assert _rows(engine, alerts)[0].state == "firing"
    with engine.begin() as conn:  # a pass over stations only leaves it alone
        run_pass(conn, config, now_epoch(), base_url="", station_ids=set(), periodic=False)
    assert _rows(engine, alerts)[0].state == "firing"
    with engine.begin() as conn:
        run_pass(conn, config, now_epoch(), base_url="", lags=[])
    assert _rows(engine, alerts)[0].state == "resolved"
