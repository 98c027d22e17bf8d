"""``/api/admin/recipients``: validated, persisted with a backup, audited, reloaded; webhook
secrets never leave the server. Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from service.alerting.runtime import runtime_for
from service.settings import Settings
from service.web.app import create_app

SECRET_PATH = "hooks/t0ps3cr3t-token"
ALERTS: dict[str, Any] = {
    "rules": [
        {"id": "exceedance", "type": "exceedance"},
        {"id": "offline", "type": "offline", "after_intervals": 5},
    ],
    "contacts": [
        {"id": "truc_ban", "name": "Cán bộ trực ban", "email": "trucban@example.vn"},
        {"id": "lanh_dao", "email": "lanhdao@example.vn", "min_severity": "major"},
        {
            "id": "he_thong",
            "webhook": f"https://receiver.example.vn/{SECRET_PATH}?key=abc",
            "channels": ["webhook"],
        },
    ],
    "lists": {"moi_truong": ["truc_ban", "he_thong"]},
    "routes": [{"match": {"kind": ["wastewater"]}, "notify": ["moi_truong"]}],
    "duty_officer": "truc_ban",
    "timing": {"reminder_hours": 2},
}


@pytest.fixture
def alerts_path(tmp_path: Path) -> Path:
    path = tmp_path / "conf" / "alerts.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(ALERTS, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def api(settings: Settings, alerts_path: Path) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"alerts_file": alerts_path}), scheduler=False)
    with TestClient(app) as client:
        yield client


def _new_section(current: dict[str, Any]) -> dict[str, Any]:
    body = {k: current[k] for k in ("contacts", "lists", "routes", "duty_officer")}
    body["contacts"] = [*body["contacts"], {"id": "pho_phong", "email": "pp@example.vn"}]
    body["lists"] = {"moi_truong": ["pho_phong", "he_thong"]}
    body["duty_officer"] = "pho_phong"
    return {**body, "reason": "đổi ca trực / new duty roster"}


def test_without_an_alerts_file_the_answer_names_the_setting(client) -> None:  # type: ignore[no-untyped-def]
    for response in (
        client.get("/api/admin/recipients"),
        client.put("/api/admin/recipients", json={"contacts": [], "reason": "kiểm thử"}),
    ):
        assert response.status_code == 409
        assert "QUANTRAC_ALERTS_FILE" in response.json()["detail"]


def test_reading_masks_webhook_secrets(api: TestClient) -> None:
    response = api.get("/api/admin/recipients")
    assert response.status_code == 200, response.text
    body = response.json()
    assert "t0ps3cr3t" not in response.text and "key=abc" not in response.text
    hook = next(c for c in body["contacts"] if c["id"] == "he_thong")
    assert hook["webhook"] == "https://receiver.example.vn/***"
    assert body["lists"] == {"moi_truong": ["truc_ban", "he_thong"]}
    assert body["duty_officer"] == "truc_ban" and len(body["routes"]) == 1


def test_a_valid_change_is_persisted_backed_up_audited_and_reloaded(
    api: TestClient, alerts_path: Path
) -> None:
    runtime = runtime_for(api.app.state.ctx)  # type: ignore[attr-defined]
    assert runtime.config.duty_officer == "truc_ban"
    original = alerts_path.read_bytes()
    response = api.put(
        "/api/admin/recipients", json=_new_section(api.get("/api/admin/recipients").json())
    )
    assert response.status_code == 200, response.text
    assert response.json()["duty_officer"] == "pho_phong"
    assert "t0ps3cr3t" not in response.text

    saved = yaml.safe_load(alerts_path.read_text(encoding="utf-8"))
    assert saved["duty_officer"] == "pho_phong"
    assert saved["lists"] == {"moi_truong": ["pho_phong", "he_thong"]}
    hook = next(c for c in saved["contacts"] if c["id"] == "he_thong")
    assert hook["webhook"] == ALERTS["contacts"][2]["webhook"]  # the masked URL kept the secret
    assert saved["rules"] == ALERTS["rules"] and saved["timing"] == ALERTS["timing"]
    (backup,) = alerts_path.parent.glob("alerts.yaml.*.bak")
    assert backup.read_bytes() == original and response.json()["backup"] == backup.name

    assert runtime.config.duty_officer == "pho_phong"  # the running alerts use it at once
    assert [c.id for c in runtime.config.expand(["moi_truong"])] == ["pho_phong", "he_thong"]

    trail = api.get("/api/admin/audit", params={"action": "alerts."}).json()
    (entry,) = trail["items"]
    assert (
        entry["action"] == "alerts.recipients"
        and entry["reason"] == "đổi ca trực / new duty roster"
    )
    assert entry["before"]["duty_officer"] == "truc_ban"
    assert entry["after"]["duty_officer"] == "pho_phong"
    assert "routes" not in entry["after"]  # only what changed
    assert "t0ps3cr3t" not in str(entry)


def _unknown_list(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "routes": [{"notify": ["no_such_list"]}]}


def _foreign_mask(body: dict[str, Any]) -> dict[str, Any]:
    hook = {"id": "moi", "webhook": "https://receiver.example.vn/***", "channels": ["webhook"]}
    return {**body, "contacts": [*body["contacts"], hook]}


def _no_address(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "contacts": [*body["contacts"], {"id": "x", "channels": ["webhook"]}]}


def _no_reason(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "reason": ""}


def _unknown_commune_contact(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "communes": {"20008": ["ubnd_nobody"]}}


INVALID = [
    pytest.param(_unknown_list, "no_such_list", id="route-names-an-unknown-list"),
    pytest.param(_foreign_mask, "webhook", id="masked-url-of-an-unknown-contact"),
    pytest.param(_no_address, "needs an address", id="webhook-channel-without-url"),
    pytest.param(_no_reason, "reason", id="no-reason"),
    pytest.param(_unknown_commune_contact, "ubnd_nobody", id="commune-names-an-unknown-contact"),
]


@pytest.mark.parametrize(("spoil", "message"), INVALID)
def test_an_invalid_change_is_422_and_changes_nothing(
    api: TestClient, alerts_path: Path, spoil: Any, message: str
) -> None:
    runtime = runtime_for(api.app.state.ctx)  # type: ignore[attr-defined]
    config = runtime.config
    original = alerts_path.read_bytes()
    body = spoil(_new_section(api.get("/api/admin/recipients").json()))
    response = api.put("/api/admin/recipients", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert alerts_path.read_bytes() == original
    assert not list(alerts_path.parent.glob("*.bak"))
    assert runtime.config is config
    assert api.get("/api/admin/audit", params={"action": "alerts."}).json()["total"] == 0


def test_commune_contacts_are_edited_with_the_recipients(
    api: TestClient, alerts_path: Path
) -> None:
    """The rain warnings' commune contacts (issue 17) are part of the recipients section."""
    body = _new_section(api.get("/api/admin/recipients").json())
    response = api.put("/api/admin/recipients", json={**body, "communes": {20008: "pho_phong"}})
    assert response.status_code == 200, response.text
    assert response.json()["communes"] == {"20008": ["pho_phong"]}
    saved = yaml.safe_load(alerts_path.read_text(encoding="utf-8"))
    assert saved["communes"] == {"20008": ["pho_phong"]}
    assert runtime_for(api.app.state.ctx).config.communes == {"20008": ["pho_phong"]}  # type: ignore[attr-defined]
