"""Commune subscriptions end to end on both backends with the real SMTP test server (aiosmtpd):
subscribe → confirmation link → an AQI alert for that commune only → one-click unsubscribe →
nothing more. Messages go through the alert outbox and the alert sender."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from service.alerting.runtime import runtime_for
from service.public.subscribe_routes import link_key
from service.public.subscriptions import fold, notify_subscribers
from service.settings import Settings
from service.web.app import create_app
from stations.store.alert_tables import alert_events, alert_outbox, alerts
from stations.store.subscription_tables import public_subscriptions
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import SmtpServer, mail_settings, wait_for
from tests.service.public_seed import LIVE, SILENT, seed

pytestmark = pytest.mark.smtp
LINK = re.compile(r"http://testserver(/public/subscriptions/\w+\?id=\d+&sig=\w+)")


def _to(smtp: SmtpServer, address: str) -> list:
    return [m for m in smtp.messages if m["To"] == address]


def _escalate(engine: Engine, alert_id: int) -> None:
    """What the alert engine writes when an open alert escalates (a new notifying event)."""
    with engine.begin() as conn:
        conn.execute(
            insert(alert_events).values(
                alert_id=alert_id, at=now_epoch(), event="escalated", details={}
            )
        )


def test_subscribe_confirm_notify_commune_only_unsubscribe(
    engine: Engine, settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    seed(engine)  # LIVE (Hồng Phong) at VN_AQI 80; Đông Tân's station silent for two days
    rules = {"rules": [{"id": "aqi", "type": "aqi", "threshold": 51}]}
    (tmp_path / "alerts.yaml").write_text(yaml.safe_dump(rules))
    s = mail_settings(
        settings,
        smtp,
        auth_enabled=True,
        alerts_file=tmp_path / "alerts.yaml",
        public_url="http://testserver",
    )
    app = create_app(s, scheduler=False)
    ctx = app.state.ctx
    here, there = "dan@example.vn", "other@example.vn"
    with TestClient(app) as c:
        bad = c.post("/public/subscriptions", json={"address": "x", "commune": "Hồng Phong"})
        assert bad.status_code == 422 and "e-mail" in bad.json()["detail"]
        unknown = c.post("/public/subscriptions", json={"address": here, "commune": "Atlantis"})
        assert unknown.status_code == 422 and "unknown commune" in unknown.json()["detail"]
        for address, commune in ((here, "hong phong"), (there, "Đông Tân")):
            r = c.post(
                "/public/subscriptions",
                json={"address": address, "commune": commune, "topic": "aqi", "threshold": 2},
            )
            assert r.status_code == 202, r.text
        wait_for(lambda: len(smtp.messages) == 2)
        links = {m["To"]: LINK.search(m.get_content()).group(1) for m in smtp.messages}
        with engine.connect() as conn:
            rows = conn.execute(select(public_subscriptions)).all()
        # Minimum personal data: the address, the commune, the topic; nothing active yet.
        assert {(r.address, r.commune, r.confirmed_at) for r in rows} == {
            (here, fold("Hồng Phong"), None),
            (there, fold("Đông Tân"), None),
        }
        assert c.get(links[here][:-4] + "0000").status_code == 404  # an altered link
        for address in (here, there):
            assert c.get(links[address]).status_code == 200

        # The alert engine opens AQI alerts: Hồng Phong now (80 ≥ 51), Đông Tân's from old data.
        runtime = runtime_for(ctx)
        runtime.evaluate()
        with engine.connect() as conn:
            opened = set(conn.scalars(select(alerts.c.station_id).where(alerts.c.rule == "aqi")))
        assert opened == {LIVE, SILENT}
        key, base = link_key(ctx), s.base_url
        assert notify_subscribers(engine, key, base, now_epoch()) == 1
        assert notify_subscribers(engine, key, base, now_epoch()) == 0  # cursor: once
        runtime.send()
        (mail,) = _to(smtp, here)[1:]
        assert "Hồng Phong" in mail["Subject"] and "VN_AQI 80" in mail["Subject"]
        assert _to(smtp, there)[1:] == []  # another commune (and stale data): nothing
        unsubscribe = LINK.search(mail.get_content()).group(1)
        assert "/unsubscribe?" in unsubscribe

        with engine.connect() as conn:
            alert_id = conn.scalar(select(alerts.c.id).where(alerts.c.station_id == LIVE))
        _escalate(engine, alert_id)
        assert notify_subscribers(engine, key, base, now_epoch()) == 1
        runtime.send()
        assert len(_to(smtp, here)) == 3

        # One click deletes the subscription and the address; later alerts send nothing.
        assert c.get(unsubscribe).status_code == 200
        assert c.get(unsubscribe).status_code == 404
        with engine.connect() as conn:
            left = conn.scalars(select(public_subscriptions.c.address)).all()
        assert left == [there]
        _escalate(engine, alert_id)
        assert notify_subscribers(engine, key, base, now_epoch()) == 0
        runtime.send()
        assert len(_to(smtp, here)) == 3
        with engine.connect() as conn:
            pending = conn.scalar(
                select(func.count()).select_from(alert_outbox).where(alert_outbox.c.state != "sent")
            )
        assert pending == 0
