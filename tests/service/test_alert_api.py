"""HTTP surface of the alerts: feed, one alert, acknowledgement, outbox and dead letters."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from service.alerting.config import AlertConfigError, load_alert_config
from service.alerting.runtime import runtime_for
from service.settings import Settings
from service.web.app import create_app
from stations.timeutil import now_epoch
from tests.fixtures.alerts.builders import (
    ComplianceFeed,
    WebhookReceiver,
    add_readings,
    alert_config,
    make_station,
    webhook_only_client,
)

ST = "LS_TEST_NT01"
DEMO_ALERTS = Path(__file__).resolve().parents[2] / "service" / "alerting" / "demo_alerts.yaml"


@pytest.fixture
def api(settings: Settings, tmp_path: Path, hook: WebhookReceiver) -> Iterator[TestClient]:
    """A client whose alerts file sends to a webhook only, dead-lettering at the first failure."""
    with webhook_only_client(settings, tmp_path, hook.url, max_attempts=1) as client:
        yield client


def open_one(client: TestClient, engine: Engine, headers: dict[str, str] | None = None) -> int:
    """Create one firing exceedance alert now; returns its id (``headers`` for the feed)."""
    make_station(engine)
    now = now_epoch()
    add_readings(engine, ST, "COD", [(now - 60, 180.0, "00")])
    ComplianceFeed(engine).event(ST, "COD", "opened", now - 60, 180.0)
    runtime_for(client.app.state.ctx).evaluate()  # type: ignore[attr-defined]
    (alert,) = client.get("/api/alerts", params={"state": "firing"}, headers=headers).json()
    return int(alert["id"])


def test_feed_ack_and_conflicts(api: TestClient, engine: Engine) -> None:
    assert api.get("/api/alerts").json() == []
    alert_id = open_one(api, engine)
    one = api.get(f"/api/alerts/{alert_id}").json()
    assert (one["state"], one["rule"], one["parameter"], one["band"]) == (
        "firing",
        "exceedance",
        "COD",
        2,
    )
    assert one["message_vi"].startswith("Vượt giới hạn cho phép: Trạm LS_TEST_NT01")
    assert [h["event"] for h in one["history"]] == ["opened"]

    response = api.post(
        f"/api/alerts/{alert_id}/ack", json={"by": "Nguyễn Văn An", "comment": "Đã gọi nhà máy"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "acknowledged"
    assert body["acknowledged"]["by"] == "Nguyễn Văn An"
    assert body["acknowledged"]["at"].endswith("+07:00")
    assert api.get("/api/alerts", params={"state": "firing"}).json() == []
    assert len(api.get("/api/alerts", params={"state": "open"}).json()) == 1
    again = api.post(f"/api/alerts/{alert_id}/ack", json={"by": "Trần Bình"}).json()
    assert again["acknowledged"]["by"] == "Nguyễn Văn An"  # the first acknowledgement stands


BAD_REQUESTS = [
    pytest.param("post", "/api/alerts/999999/ack", {"by": "A"}, 404, id="unknown-id"),
    pytest.param("post", "/api/alerts/1/ack", {"comment": "x"}, 422, id="missing-by"),
    pytest.param("post", "/api/alerts/1/ack", {"by": ""}, 422, id="empty-by"),
    pytest.param("post", "/api/alerts/abc/ack", {"by": "A"}, 422, id="non-numeric-id"),
    pytest.param("get", "/api/alerts?state=burning", None, 422, id="unknown-state"),
    pytest.param("get", "/api/alerts?limit=0", None, 422, id="bad-limit"),
    pytest.param("get", "/api/alerts/424242", None, 404, id="unknown-alert"),
    pytest.param("get", "/api/alerts/outbox?state=lost", None, 422, id="unknown-outbox-state"),
    pytest.param("post", "/api/alerts/outbox/77/retry", None, 409, id="retry-not-dead"),
]


@pytest.mark.parametrize(("method", "url", "body", "status"), BAD_REQUESTS)
def test_bad_requests_are_4xx(
    api: TestClient, method: str, url: str, body: dict | None, status: int
) -> None:
    response = api.request(method.upper(), url, json=body)
    assert response.status_code == status, response.text


def test_resolved_alert_cannot_be_acknowledged(api: TestClient, engine: Engine) -> None:
    alert_id = open_one(api, engine)
    with engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(
            text("UPDATE alerts SET state = 'resolved', open_key = NULL WHERE id = :i"),
            {"i": alert_id},
        )
    response = api.post(f"/api/alerts/{alert_id}/ack", json={"by": "A"})
    assert response.status_code == 409
    assert "đã kết thúc" in response.json()["detail"]


def test_dead_letters_are_visible_and_can_be_retried(
    api: TestClient, engine: Engine, hook: WebhookReceiver
) -> None:
    alert_id = open_one(api, engine)
    rt = runtime_for(api.app.state.ctx)  # type: ignore[attr-defined]
    hook.failing = True
    assert rt.send().dead == 1
    (dead,) = api.get("/api/alerts/outbox", params={"state": "dead"}).json()
    assert (dead["alert_id"], dead["channel"], dead["attempts"]) == (alert_id, "webhook", 1)
    assert "HTTP 500" in dead["last_error"]
    assert api.get(f"/api/alerts/{alert_id}").json()["deliveries"] == {"dead": 1}
    hook.failing = False
    assert api.post(f"/api/alerts/outbox/{dead['id']}/retry").status_code == 200
    assert rt.send().sent == 1
    assert [c["json"]["idempotency_key"] for c in hook.calls] == [dead["idempotency_key"]]
    assert api.get(f"/api/alerts/{alert_id}").json()["deliveries"] == {"sent": 1}


def test_demo_alerts_file_is_valid() -> None:
    cfg = load_alert_config(DEMO_ALERTS)
    assert cfg.duty_officer is not None and cfg.routes


def test_invalid_alerts_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text("routes:\n  - notify: [ghost]\n", encoding="utf-8")
    with pytest.raises(AlertConfigError, match="ghost"):
        load_alert_config(path)


def test_migration_matches_the_tables(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from service.schema import full_metadata

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), full_metadata())
    assert [d for d in diffs if "alert" in str(d)] == []


def test_jobs_and_hook_are_registered(settings: Settings, engine: Engine) -> None:
    from service.context import AppContext
    from service.worker.scheduler import build_scheduler

    ctx = AppContext(settings=settings, engine=engine)
    scheduler = build_scheduler(ctx)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"alerts:evaluate", "alerts:outbox"} <= jobs.keys()
    assert jobs["alerts:outbox"].max_instances == 1 and jobs["alerts:outbox"].coalesce
    steps = [step.name for step in ctx.steps]
    # alerts after ingest and compliance; rain warnings fold their own level alerts afterwards
    order = [steps.index(name) for name in ("compliance", "layers", "alerts", "warnings")]
    assert order == sorted(order)


def test_logged_in_account_is_recorded_not_the_body(
    settings: Settings, tmp_path: Path, hook: WebhookReceiver, engine: Engine
) -> None:
    from tests.service.test_auth_fixtures import bearer, make_users

    data = alert_config(hook.url)
    path = tmp_path / "alerts.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    s = settings.model_copy(update={"alerts_file": path, "auth_enabled": True})
    app = create_app(s, scheduler=False)
    tokens = make_users(app)
    with TestClient(app) as client:
        alert_id = open_one(client, engine, bearer(tokens["viewer"]))
        body = {"by": "someone else", "comment": "đã xử lý"}
        viewer = client.post(
            f"/api/alerts/{alert_id}/ack", json=body, headers=bearer(tokens["viewer"])
        )
        assert viewer.status_code == 403
        response = client.post(
            f"/api/alerts/{alert_id}/ack", json=body, headers=bearer(tokens["operator"])
        )
        assert response.status_code == 200
        assert response.json()["acknowledged"]["by"] == "operator1"
