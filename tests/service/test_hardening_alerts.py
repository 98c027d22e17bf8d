"""Issue 16 probe findings on the alert outbox: F1 (addresses shown to viewers), F8 (order)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.alerting.runtime import runtime_for
from service.alerting.sender import send_due
from service.redact import mask_address, redact_text
from service.settings import Settings
from stations.store import alert_outbox
from tests.fixtures.alerts.builders import WebhookReceiver, webhook_only_client
from tests.service.test_alert_api import open_one

SECRET = "s3cr3t-token"


@pytest.fixture
def api(settings: Settings, tmp_path: Path, hook: WebhookReceiver) -> Iterator[TestClient]:
    """Alerts go to one webhook whose URL carries a secret in its query."""
    url = f"{hook.url}?token={SECRET}"
    with webhook_only_client(settings, tmp_path, url, max_attempts=5) as client:
        yield client


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("https://hooks.example.org/T01/B02/abc?x=1", "https://hooks.example.org/***"),
        ("https://hooks.example.org", "https://hooks.example.org"),
        ("officer@sonnmt.langson.gov.vn", "o***@sonnmt.langson.gov.vn"),
        ("not an address", "***"),
    ],
)
def test_f1_one_masking_rule(address: str, shown: str) -> None:
    assert mask_address(address) == shown
    assert redact_text(f"failed for {address}: refused", address) == f"failed for {shown}: refused"


def test_f1_outbox_masks_addresses_for_viewers(
    api: TestClient, engine: Engine, hook: WebhookReceiver
) -> None:
    open_one(api, engine)
    hook.failing = True
    assert runtime_for(api.app.state.ctx).send().failed == 1  # type: ignore[attr-defined]
    (row,) = api.get("/api/alerts/outbox").json()
    assert row["address"].endswith("/***")
    assert "HTTP 500" in row["last_error"]
    assert SECRET not in api.get("/api/alerts/outbox").text
    assert "/hook" not in row["address"] + row["last_error"]


def test_f8_outbox_sends_in_creation_order_after_an_outage(
    api: TestClient, engine: Engine, hook: WebhookReceiver
) -> None:
    alert_id = open_one(api, engine)
    rt = runtime_for(api.app.state.ctx)  # type: ignore[attr-defined]
    policy = rt.config.delivery
    with engine.connect() as conn:
        (first,) = alert_outbox.list_messages(conn)
    t0 = first.created_at
    hook.failing = True
    assert send_due(engine, rt.channels, policy, lambda: t0).failed == 1  # retry at t0 + 10
    with engine.begin() as conn:
        second = alert_outbox.enqueue(
            conn,
            alert_id=alert_id,
            event_id=first.event_id,
            channel=first.channel,
            recipient=first.recipient,
            address=first.address,
            key="qt-later",
            payload={**first.payload, "idempotency_key": "qt-later"},
            now=t0 + 1,
        )
    hook.failing = False
    # The newer message is due, the older one still in backoff: it must wait its turn.
    assert send_due(engine, rt.channels, policy, lambda: t0 + 2).sent == 0
    assert send_due(engine, rt.channels, policy, lambda: t0 + 60).sent == 1
    assert send_due(engine, rt.channels, policy, lambda: t0 + 60).sent == 1
    keys = [c["json"]["idempotency_key"] for c in hook.calls]
    assert keys == [first.idempotency_key, second]
