"""A commune's warning level rising reaches its people, end to end with the real SMTP test server
(aiosmtpd), on both backends (issue 17 item 4, issue 18 item 4):

* the alerts file's ``communes`` contacts of that commune (and of the communes a zone touches)
  and the duty officer, never another commune's contacts;
* the confirmed ``warning`` subscribers of that commune whose level N is reached, once, through
  the same outbox and sender as the AQI topic; nothing after the one-click unsubscribe; a
  webhook subscriber (a gateway) gets the documented ``public.warning`` JSON, again at level 2.

Scenario (tests/warnings/scenario.py): Xã B lies under a medium-susceptibility zone ("Vùng B"),
so 100 mm in 24 h after a rain day is level 1 (QĐ 18/2021 Điều 46 khoản 1, KV2). Gauge G2 over
B gets a storm ending now; G1 over Xã A stays dry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from service.public.steps import notify_public_subscribers
from service.runtime import Runtime
from service.settings import Settings
from service.web.app import create_app
from service.worker.jobs.warnings import notify
from stations.alerts.config import AlertConfig
from stations.store import rain as store
from stations.store.alert_tables import alert_outbox, alerts
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import SmtpServer, WebhookReceiver, mail_settings, wait_for
from tests.warnings.scenario import STEP, load_places, storm, write_rain

pytestmark = pytest.mark.smtp
LINK = re.compile(r"http://testserver(/public/subscriptions/\w+\?id=\d+&sig=\w+)")
ALERTS_YAML = """
contacts:
  - {id: duty, email: truc.ban@example.vn}
  - {id: ubnd_a, email: ubnd.a@example.vn}
  - {id: ubnd_b, email: ubnd.b@example.vn}
duty_officer: duty
communes:
  A: [ubnd_a]
  B: ubnd_b
timing: {resolve_hold_minutes: 60}
"""
CITIZEN_A, CITIZEN_B = "dan.a@example.vn", "dan.b@example.vn"


def _subjects(smtp: SmtpServer, address: str) -> list[str]:
    return [str(m["Subject"]) for m in smtp.messages if m["To"] == address]


def _deliver(rt: Runtime) -> None:
    """Run the sender until the outbox is empty (one message per address and run: in order)."""

    def drained() -> bool:
        rt.alerts.send()
        with rt.engine.connect() as conn:
            pending = select(func.count()).where(alert_outbox.c.state == "pending")
            return conn.scalar(pending) == 0

    wait_for(drained)


def _storm_ending_now(engine: Engine) -> dict[str, tuple[int, int]]:
    """Three days (a 20-mm rain day last) then a day whose rain crosses 100 mm in its last
    hour at G2; zeros at G1. Returns the spans of the batch."""
    day4 = [0.2 if i % 2 else 0.4 for i in range(138)] + [13.0, 14.0] * 3
    series = storm([0, 0, 20]) + day4
    end = now_epoch() - now_epoch() % STEP
    start = end - (len(series) - 1) * STEP
    return {
        "G2": write_rain(engine, "G2", series, start),
        "G1": write_rain(engine, "G1", [0.0] * len(series), start),
    }


def test_level_rise_reaches_commune_contacts_and_subscribers_only(
    engine: Engine, settings: Settings, smtp: SmtpServer, hook: WebhookReceiver, tmp_path: Path
) -> None:
    load_places(engine, tmp_path)
    (tmp_path / "alerts.yaml").write_text(ALERTS_YAML, encoding="utf-8")
    s = mail_settings(
        settings, smtp, alerts_file=tmp_path / "alerts.yaml", public_url="http://testserver"
    )
    app = create_app(s, scheduler=False)
    rt = app.state.ctx
    with TestClient(app) as c:
        for address, commune in ((CITIZEN_A, "Xã A"), (CITIZEN_B, "xa b")):
            body = {"address": address, "commune": commune, "topic": "warning", "threshold": 1}
            assert c.post("/public/subscriptions", json=body).status_code == 202
        gateway = {"channel": "webhook", "address": hook.url, "commune": "Xã B"}
        body = {**gateway, "topic": "warning", "threshold": 1}
        assert c.post("/public/subscriptions", json=body).status_code == 202
        wait_for(lambda: len(smtp.messages) == 2 and len(hook.calls) == 1)
        links = [m.get_content() for m in smtp.messages] + [hook.calls[0]["json"]["confirm"]]
        for text in links:
            assert c.get(LINK.search(text).group(1)).status_code == 200

        rt.after_ingest(_storm_ending_now(engine))  # … alerts → warnings → public-subscriptions
        with engine.connect() as conn:
            latest = store.last_levels(conn)
            opened = sorted(
                conn.scalars(select(alerts.c.rule).where(alerts.c.rule_type == "rain_warning"))
            )
        assert latest[("commune", "B")].issued_level == 1
        assert latest[("commune", "A")].issued_level == 0
        assert [r for r in opened if r.startswith("qd18:commune:")] == ["qd18:commune:B:1"]
        assert notify_public_subscribers(rt) == 0  # told once: the chain's step already queued
        _deliver(rt)

        # Subscribers: one message to B's, naming the commune and the level; nothing to A's.
        (told,) = _subjects(smtp, CITIZEN_B)[1:]
        assert "cấp độ 1" in told and "Xã B" in told
        assert _subjects(smtp, CITIZEN_A)[1:] == []
        mail = next(m for m in smtp.messages if m["To"] == CITIZEN_B and m["Subject"] == told)
        assert "Mưa 24 giờ 1" in mail.get_content()  # the 24-h rain behind it, ≥ 100 mm
        unsubscribe = LINK.search(mail.get_content()).group(1)
        assert "/unsubscribe?" in unsubscribe
        # Officials: B's contacts hear of the commune and of the zone over it, as the duty
        # officer does; A's contact of nothing.
        to_b = _subjects(smtp, "ubnd.b@example.vn")
        assert any("Xã B" in t for t in to_b) and any("Vùng B" in t for t in to_b)
        assert sorted(to_b) == sorted(_subjects(smtp, "truc.ban@example.vn"))
        assert _subjects(smtp, "ubnd.a@example.vn") == []
        # A gateway (Zalo OA, SMS) gets the documented JSON (docs/public-portal.md).
        wait_for(lambda: len(hook.calls) == 2)
        payload = hook.calls[1]["json"]
        assert payload["type"] == "public.warning" and payload["level"] == 1
        assert payload["commune"] == "Xã B" and payload["commune_id"] == "B"
        assert payload["rain24_mm"] >= 100 and payload["key"] and payload["unsubscribe"]

        # One click unsubscribes; B then reaches level 2 (as once an officer enters the level-2
        # threshold): B's contact is told, the former subscriber is not.
        assert c.get(unsubscribe).status_code == 200
        with engine.connect() as conn:
            row = store.last_levels(conn)[("commune", "B")]
        rise = {**row._mapping, "issued_level": 2, "at": row.at + STEP}
        assert notify(engine, rt.alerts, [rise]) == 2  # the duty officer and ubnd_b
        assert notify_public_subscribers(rt) == 1  # only the gateway is still subscribed
        _deliver(rt)
        wait_for(lambda: len(hook.calls) == 3)
        assert hook.calls[2]["json"]["level"] == 2
        assert any("level 2" in t or "cấp độ 2" in t for t in _subjects(smtp, "ubnd.b@example.vn"))
        assert len(_subjects(smtp, CITIZEN_B)) == 2  # the confirmation and the one warning
        assert _subjects(smtp, "ubnd.a@example.vn") == []


@pytest.mark.parametrize(
    ("communes", "problem"),
    [
        ({"A": ["nobody"]}, "commune 'A' names unknown contacts or lists ['nobody']"),
        ({20008: "duty"}, None),  # a numeric code in YAML is read as its string
        ({"B": ["duty", "team"]}, None),
    ],
)
def test_communes_section_is_validated_like_routes(communes: dict, problem: str | None) -> None:
    data = {
        "contacts": [{"id": "duty", "email": "d@example.vn"}],
        "lists": {"team": ["duty"]},
        "communes": communes,
    }
    if problem is None:
        cfg = AlertConfig.model_validate(data)
        assert all(isinstance(k, str) and isinstance(v, list) for k, v in cfg.communes.items())
    else:
        with pytest.raises(ValueError, match=re.escape(problem)):
            AlertConfig.model_validate(data)
