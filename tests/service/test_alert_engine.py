"""The alert engine on both databases, with a real SMTP server and a real webhook receiver.

Time is an injected clock, so "30 minutes unacknowledged", "4 h reminders" and "SMTP down for
2 minutes" are exact without sleeping; the servers, sockets and retries are real.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from service.alerting.channels import SIGNATURE_HEADER, verify
from service.alerting.runtime import AlertRuntime
from service.settings import Settings
from stations.alerts.config import AlertConfig
from tests.fixtures.alerts.builders import (
    T0,
    ComplianceFeed,
    SmtpServer,
    WebhookReceiver,
    add_readings,
    alert_config,
    count,
    mail_settings,
    make_station,
)

pytestmark = pytest.mark.smtp
SECRET = "bí-mật-hmac"
ST = "LS_TEST_NT01"
QUIET = {"escalate_after_minutes": 24 * 60, "reminder_hours": 24}  # no follow-ups in the way


class Clock:
    """A settable UTC epoch clock."""

    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def make_runtime(settings: Settings, engine: Engine, smtp: SmtpServer, hook: WebhookReceiver):
    """Build an AlertRuntime (again, after a "restart") on the test database."""

    def build(clock: Clock, **timing: Any) -> AlertRuntime:
        s = mail_settings(
            settings,
            smtp,
            webhook_secret=SecretStr(SECRET),
            public_url="https://quantrac.example.vn",
        )
        cfg = AlertConfig.model_validate(alert_config(hook.url, **timing))
        return AlertRuntime(s, engine, cfg, clock=clock)

    return build


def cycle(rt: AlertRuntime, station: str | None = ST) -> None:
    """What the service does after an ingest: evaluate the station, then send."""
    rt.evaluate({station} if station else None, periodic=station is None)
    rt.send()


def kinds(smtp: SmtpServer, hook: WebhookReceiver) -> tuple[list[str], list[str]]:
    mails = [m["Subject"].split("]")[1].strip("[") for m in smtp.messages]
    hooks = [c["json"]["notification"] for c in hook.calls]
    return mails, hooks


def test_episode_gives_one_opened_one_escalated_one_resolved(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock, **QUIET)
    make_station(engine)
    feed = ComplianceFeed(engine)
    add_readings(engine, ST, "COD", [(T0 - 600, 130.0, "00")])
    feed.event(ST, "COD", "opened", T0 - 600, 130.0)
    cycle(rt)
    cycle(rt)  # a second pass with nothing new sends nothing
    assert kinds(smtp, hook) == (["MỚI"], ["opened"])

    mail = smtp.messages[0]
    body = mail.get_payload(decode=True).decode("utf-8")
    assert mail["To"] == "officer@sonnmt.langson.gov.vn"
    for fragment in (
        "Trạm LS_TEST_NT01",
        "Nhà máy thử nghiệm",
        "(COD)",
        "130 mg/L",
        "Giới hạn: 100 mg/L",
        "1,3 lần",
        "từ 1,1 đến dưới 1,5 lần",
        "UTC+07:00",
        "https://quantrac.example.vn/map?station=LS_TEST_NT01",
    ):
        assert fragment in body
    call = hook.calls[0]
    assert verify(SECRET.encode(), call["headers"][SIGNATURE_HEADER], call["body"], clock.now)
    assert not verify(b"wrong", call["headers"][SIGNATURE_HEADER], call["body"], clock.now)
    alert = call["json"]["alert"]
    assert call["headers"]["Idempotency-Key"] == call["json"]["idempotency_key"]
    assert (alert["state"], alert["rule"], alert["band"], alert["severity"]) == (
        "firing",
        "exceedance",
        1,
        "major",
    )
    assert alert["opened_at"].endswith("+07:00")

    clock.now += 3600
    add_readings(engine, ST, "COD", [(T0 + 3000, 320.0, "00")])
    feed.event(ST, "COD", "escalated", T0 + 3000, 320.0)
    cycle(rt)
    assert kinds(smtp, hook) == (["MỚI", "TĂNG MỨC"], ["opened", "escalated"])
    assert hook.calls[-1]["json"]["alert"]["band"] == 3

    clock.now += 3600
    add_readings(engine, ST, "COD", [(T0 + 6600, 40.0, "00")])
    feed.event(ST, "COD", "closed", T0 + 6600, 40.0)
    cycle(rt)  # clear, but held (flapping guard: 2 h of data)
    assert kinds(smtp, hook)[1] == ["opened", "escalated"]
    clock.now += 3 * 3600  # the data clock passes the 2 h hold
    add_readings(engine, ST, "COD", [(clock.now - 60, 35.0, "00")])
    cycle(rt)
    assert kinds(smtp, hook) == (
        ["MỚI", "TĂNG MỨC", "ĐÃ KẾT THÚC"],
        ["opened", "escalated", "resolved"],
    )
    keys = [c["json"]["idempotency_key"] for c in hook.calls]
    assert len(set(keys)) == len(keys)
    assert count(engine, "SELECT count(*) FROM alerts") == 1


def test_value_hovering_at_the_limit_does_not_flap(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock, **QUIET)
    make_station(engine)
    feed = ComplianceFeed(engine)
    for hour in range(8):  # 101, 99, 101, 99 ... mg/L against a 100 mg/L limit
        at = T0 + hour * 3600
        value = 101.0 if hour % 2 == 0 else 99.0
        add_readings(engine, ST, "COD", [(at, value, "00")])
        feed.event(ST, "COD", "opened" if hour % 2 == 0 else "closed", at, value)
        clock.now = at + 120
        cycle(rt)
    assert kinds(smtp, hook) == (["MỚI"], ["opened"])
    assert count(engine, "SELECT count(*) FROM alerts") == 1


def test_calibration_during_exceedance_raises_the_instrument_alert_only(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock, **QUIET)
    make_station(engine)
    feed = ComplianceFeed(engine)
    add_readings(engine, ST, "COD", [(T0 - 3600 + 300 * i, 900.0, "01") for i in range(1, 13)])
    feed.event(ST, "COD", "opened", T0, 900.0)
    cycle(rt)
    rows = Counter((r["rule"], r["state"]) for r in _alerts(engine))
    assert rows == {("calibration", "firing"): 1, ("exceedance", "suppressed"): 1}
    assert kinds(smtp, hook) == (["MỚI"], ["opened"])
    assert hook.calls[0]["json"]["alert"]["rule"] == "calibration"
    # The span gas is off, the episode closes: the suppressed exceedance ends silently.
    add_readings(engine, ST, "COD", [(T0 + 300, 20.0, "00")])
    feed.event(ST, "COD", "closed", T0 + 3600, 20.0)
    for hours in (4, 7):  # calibration over; 2 h hold on the data clock, then resolved
        clock.now = T0 + hours * 3600
        add_readings(engine, ST, "COD", [(clock.now, 20.0, "00")])
        cycle(rt)
    assert Counter(r["state"] for r in _alerts(engine)) == {"resolved": 2}
    mails, hooks = kinds(smtp, hook)
    assert (mails, hooks) == (["MỚI", "ĐÃ KẾT THÚC"], ["opened", "resolved"])
    assert all(c["json"]["alert"]["rule"] == "calibration" for c in hook.calls)


def _alerts(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        from sqlalchemy import text

        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM alerts ORDER BY id"))]


def test_silent_station_gives_one_offline_alert_and_one_resolution(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock, **QUIET)
    make_station(engine)  # 5-minute interval, offline after 3 missed intervals (+5 min grace)
    make_station(engine, "LS_TEST_NEVER")  # never sent anything: no "no data" spam
    add_readings(engine, ST, "COD", [(T0, 50.0, "00")])
    for minutes in (5, 15, 19):
        clock.now = T0 + minutes * 60
        cycle(rt, None)
    assert kinds(smtp, hook) == ([], [])
    for minutes in (20, 25, 60, 300):
        clock.now = T0 + minutes * 60
        cycle(rt, None)
    assert kinds(smtp, hook) == (["MỚI"], ["opened"])
    assert hook.calls[0]["json"]["alert"]["rule"] == "offline"
    assert hook.calls[0]["json"]["alert"]["parameter"] is None
    add_readings(engine, ST, "COD", [(clock.now - 60, 50.0, "00")])
    cycle(rt)  # the post-ingest pass of that station
    cycle(rt, None)
    assert kinds(smtp, hook) == (["MỚI", "ĐÃ KẾT THÚC"], ["opened", "resolved"])


def test_outage_and_restart_lose_nothing_and_send_nothing_twice(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock)
    feed = ComplianceFeed(engine)
    stations = [make_station(engine, f"LS_TEST_NT0{i}") for i in range(1, 4)]
    smtp.stop()
    hook.failing = True
    for i, station in enumerate(stations):  # three episodes while both channels are down
        add_readings(engine, station, "COD", [(T0, 150.0 + i, "00")])
        feed.event(station, "COD", "opened", T0, 150.0 + i)
    for _ in range(12):  # "SMTP down for 2 minutes": a send every 10 s of clock time
        cycle(rt, None)
        clock.now += 10
    # Tried and refused more than once; since F8 only the oldest message per address is tried
    # while it fails (creation order after an outage), so not every message is attempted.
    assert smtp.messages == [] and hook.calls == [] and hook.refused >= 2
    assert count(engine, "SELECT count(*) FROM alert_outbox WHERE state = 'pending'") == 6
    # The process restarts (a new runtime on a new engine), then both channels recover.
    from service.database import make_engine

    engine2 = make_engine(str(engine.url.render_as_string(hide_password=False)))
    rt2 = AlertRuntime(rt.settings, engine2, rt.config, clock=clock)
    smtp.start()
    hook.failing = False
    for _ in range(10):
        clock.now += 60
        rt2.send()
    engine2.dispose()
    assert len(smtp.messages) == 3 and len(hook.calls) == 3
    mail_ids = Counter(m["Message-ID"] for m in smtp.messages)
    hook_keys = Counter(c["json"]["idempotency_key"] for c in hook.calls)
    assert max(mail_ids.values()) == 1 and max(hook_keys.values()) == 1
    assert count(engine, "SELECT count(*) FROM alert_outbox WHERE state = 'sent'") == 6


def test_ack_stops_reminders_and_unacknowledged_alerts_escalate(
    engine: Engine, make_runtime, smtp: SmtpServer, hook: WebhookReceiver
) -> None:
    clock = Clock(T0)
    rt = make_runtime(clock, escalate_after_minutes=30, reminder_hours=4)
    make_station(engine, interval_minutes=24 * 60)  # daily: it never counts as silent here
    feed = ComplianceFeed(engine)
    add_readings(engine, ST, "COD", [(T0, 150.0, "00")])
    feed.event(ST, "COD", "opened", T0, 150.0)
    cycle(rt)
    clock.now = T0 + 29 * 60
    cycle(rt, None)
    assert [m["To"] for m in smtp.messages] == ["officer@sonnmt.langson.gov.vn"]
    clock.now = T0 + 30 * 60
    cycle(rt, None)
    cycle(rt, None)
    assert smtp.messages[-1]["To"] == "leader@sonnmt.langson.gov.vn"
    assert "CHƯA ĐƯỢC XÁC NHẬN" in smtp.messages[-1]["Subject"]
    assert len(smtp.messages) == 2
    for hours in (4, 8):
        clock.now = T0 + hours * 3600 + 1
        cycle(rt, None)
    assert kinds(smtp, hook)[1] == ["opened", "reminder", "reminder"]
    alert_id = hook.calls[0]["json"]["alert"]["id"]
    rt.acknowledge(alert_id, "Nguyễn Văn An", "Đã liên hệ nhà máy")
    for hours in (12, 16, 24):
        clock.now = T0 + hours * 3600 + 1
        cycle(rt, None)
    assert kinds(smtp, hook)[1] == ["opened", "reminder", "reminder"]
