"""The contract every registered alert channel must keep (service.alerting.channels.TRANSPORTS),
on both databases, against a real server of its kind (aiosmtpd SMTP, an HTTP receiver):

- every message carries its outbox idempotency key, and a sent message is not sent again;
- a failed send is retried with exponential backoff, under the same key;
- after ``max_attempts`` a message is dead-lettered and never sent;
- a restart (new runtime, new engine) loses nothing, and a crash between "sent" and
  "recorded" repeats the message under the same key (receivers drop the repeat).

Time is an injected clock; the servers, sockets and retries are real.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from service.alerting.channels import TRANSPORTS
from service.alerting.runtime import AlertRuntime
from service.database import make_engine
from service.settings import Settings
from stations.alerts.channels import CHANNELS
from stations.alerts.config import AlertConfig
from stations.store import alert_outbox
from stations.store.alert_tables import alert_outbox as outbox_table
from tests.fixtures.alerts.builders import (
    T0,
    ComplianceFeed,
    SmtpServer,
    WebhookReceiver,
    make_station,
)

pytestmark = pytest.mark.smtp
ST = "LS_TEST_NT01"
BASE_S = 10  # retry_base_seconds of the contract's delivery policy


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


@dataclass
class EmailServer:
    server: SmtpServer
    contact: dict[str, Any]

    def keys(self) -> list[str]:
        return [m["X-Quantrac-Idempotency-Key"] for m in self.server.messages]

    def down(self) -> None:
        self.server.stop()

    def up(self) -> None:
        self.server.start()

    def settings(self) -> dict[str, Any]:
        return {"smtp_host": "127.0.0.1", "smtp_port": self.server.port}

    def close(self) -> None:
        self.server.stop()


@dataclass
class WebhookServer:
    receiver: WebhookReceiver
    contact: dict[str, Any]

    def keys(self) -> list[str]:
        keys = [c["headers"]["Idempotency-Key"] for c in self.receiver.calls]
        assert keys == [c["json"]["idempotency_key"] for c in self.receiver.calls]
        return keys

    def down(self) -> None:
        self.receiver.failing = True  # HTTP 500: refused, to be retried

    def up(self) -> None:
        self.receiver.failing = False

    def settings(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        self.receiver.close()


def _email() -> EmailServer:
    server = SmtpServer()
    server.start()
    return EmailServer(server, {"id": "officer", "email": "officer@sonnmt.langson.gov.vn"})


def _webhook() -> WebhookServer:
    receiver = WebhookReceiver()
    return WebhookServer(
        receiver, {"id": "system", "webhook": receiver.url, "channels": ["webhook"]}
    )


SERVERS = {"email": _email, "webhook": _webhook}
assert set(SERVERS) == set(TRANSPORTS) == set(CHANNELS), "every channel needs a contract server"


@pytest.fixture(params=sorted(TRANSPORTS))
def server(request: pytest.FixtureRequest) -> Iterator[Any]:
    srv = SERVERS[request.param]()
    yield srv
    srv.close()


def _runtime(
    settings: Settings, engine: Engine, server: Any, clock: Clock, **delivery: Any
) -> AlertRuntime:
    config = AlertConfig.model_validate(
        {
            "rules": [{"id": "exceedance", "type": "exceedance"}],
            "contacts": [server.contact],
            "routes": [{"notify": [server.contact["id"]]}],
            "timing": {"escalate_after_minutes": 24 * 60, "reminder_hours": 24},
            "delivery": {"retry_base_seconds": BASE_S, "retry_max_seconds": 60, **delivery},
        }
    )
    return AlertRuntime(settings.model_copy(update=server.settings()), engine, config, clock=clock)


def _one_alert(engine: Engine, rt: AlertRuntime) -> str:
    make_station(engine, ST)
    ComplianceFeed(engine).event(ST, "COD", "opened", T0, 150.0)
    assert rt.evaluate({ST}, periodic=False).queued == 1
    with engine.connect() as conn:
        return str(conn.scalar(select(outbox_table.c.idempotency_key)))


def _row(engine: Engine) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(outbox_table)).one()


def test_idempotency_key_and_sent_once(settings: Settings, engine: Engine, server: Any) -> None:
    clock = Clock(T0)
    rt = _runtime(settings, engine, server, clock)
    key = _one_alert(engine, rt)
    assert rt.send().sent == 1
    clock.now += 3600
    assert rt.send().sent == 0  # recorded as sent: not sent again
    assert server.keys() == [key]
    assert _row(engine).state == alert_outbox.SENT


def test_retry_with_exponential_backoff(settings: Settings, engine: Engine, server: Any) -> None:
    clock = Clock(T0)
    rt = _runtime(settings, engine, server, clock)
    key = _one_alert(engine, rt)
    server.down()
    for attempt, wait in ((1, BASE_S), (2, 2 * BASE_S), (3, 4 * BASE_S)):
        assert rt.send().failed == 1
        row = _row(engine)
        assert (row.attempts, row.next_attempt_at - clock.now) == (attempt, wait)
        clock.now += wait - 1
        assert rt.send().failed == 0  # not due yet: nothing attempted
        clock.now += 1
    server.up()
    assert rt.send().sent == 1
    assert server.keys() == [key]  # the same key on the attempt that succeeded


def test_dead_letter_after_max_attempts(settings: Settings, engine: Engine, server: Any) -> None:
    clock = Clock(T0)
    rt = _runtime(settings, engine, server, clock, max_attempts=2)
    _one_alert(engine, rt)
    server.down()
    assert rt.send().failed == 1
    clock.now += 3600
    assert rt.send().dead == 1
    assert _row(engine).state == alert_outbox.DEAD and _row(engine).last_error
    server.up()
    clock.now += 3600
    assert rt.send().sent == 0 and server.keys() == []


def test_restart_loses_nothing_and_repeats_under_the_same_key(
    settings: Settings, engine: Engine, server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(T0)
    rt = _runtime(settings, engine, server, clock)
    key = _one_alert(engine, rt)

    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise SystemExit("killed between send and record")

    with monkeypatch.context() as patch:
        patch.setattr(alert_outbox, "mark_sent", crash)
        with pytest.raises(SystemExit):
            rt.send()  # delivered, but the process died before recording it
    assert server.keys() == [key] and _row(engine).state == alert_outbox.PENDING
    # A new process: new engine, new runtime, new channel objects.
    engine2 = make_engine(engine.url.render_as_string(hide_password=False))
    rt2 = _runtime(settings, engine2, server, clock)
    assert rt2.send().sent == 1
    engine2.dispose()
    assert server.keys() == [key, key]  # at-least-once; the receiver drops the repeat by key
    assert _row(engine).state == alert_outbox.SENT
