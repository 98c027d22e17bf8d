"""Administration API: users, tokens, sites, permits, corrections, and their audit entries."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import insert, select

from service.bootstrap import import_stations
from stations.store.account_tables import users
from stations.store.schema import readings
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    bearer,
    fast_password_hashing,
    login,
)

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo"
STATION = "LS_XMDB_KHI01"


def _audit(client, admin, **params):  # type: ignore[no-untyped-def]
    response = client.get("/api/admin/audit", params=params, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_users_lifecycle_is_audited_without_secrets(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    admin = bearer(tokens["admin"])
    body = {
        "username": "Lan.Nguyen",
        "display_name": "Nguyễn Thị Lan",
        "role": "operator",
        "password": "mật khẩu của Lan",
    }
    created = client.post("/api/admin/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["username"] == "lan.nguyen"
    assert client.post("/api/admin/users", json=body, headers=admin).status_code == 409
    short = {**body, "username": "minh", "password": "ngắn"}
    assert client.post("/api/admin/users", json=short, headers=admin).status_code == 400
    names = [u["username"] for u in client.get("/api/admin/users", headers=admin).json()]
    assert names == ["admin1", "lan.nguyen", "operator1", "viewer1"]
    changed = client.patch(
        "/api/admin/users/lan.nguyen",
        json={"role": "admin", "reason": "trưởng phòng"},
        headers=admin,
    )
    assert changed.json()["role"] == "admin"
    new_pw = {"password": "mật khẩu mới của Lan"}
    assert (
        client.put("/api/admin/users/lan.nguyen/password", json=new_pw, headers=admin).status_code
        == 204
    )
    assert login(client, "lan.nguyen", "mật khẩu mới của Lan").status_code == 303
    trail = _audit(client, admin, target="user:lan.nguyen")
    assert [e["action"] for e in trail["items"]] == [
        "auth.login",
        "user.password",
        "user.update",
        "user.create",
    ]
    update = next(e for e in trail["items"] if e["action"] == "user.update")
    assert update["actor"] == "admin1" and update["reason"] == "trưởng phòng"
    assert update["before"]["role"] == "operator" and update["after"]["role"] == "admin"
    assert "hash" not in str(trail).lower() and "mật khẩu mới" not in str(trail)
    assert (
        client.patch("/api/admin/users/nobody", json={"active": False}, headers=admin).status_code
        == 404
    )


def test_the_last_admin_cannot_lock_everyone_out(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    admin = bearer(tokens["admin"])
    response = client.patch("/api/admin/users/admin1", json={"role": "viewer"}, headers=admin)
    assert response.status_code == 400
    assert "last active administrator" in response.json()["detail"]


def test_tokens_are_shown_once_capped_and_revocable(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    admin = bearer(tokens["admin"])
    made = client.post(
        "/api/admin/tokens",
        json={
            "username": "operator1",
            "name": "nhập kết quả",
            "role": "viewer",
            "expires_in_days": 30,
        },
        headers=admin,
    )
    assert made.status_code == 201, made.text
    secret = made.json()["token"]
    assert secret.startswith("qt_") and made.json()["prefix"] == secret[:10]
    listed = client.get("/api/admin/tokens", params={"username": "operator1"}, headers=admin)
    assert all("token" not in t for t in listed.json())
    # capped at viewer although its owner is an operator
    assert client.post("/api/alerts/1/ack", headers=bearer(secret)).status_code == 403
    revoked = client.delete(f"/api/admin/tokens/{made.json()['id']}", headers=admin)
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/auth/me", headers=bearer(secret)).status_code == 401
    actions = [e["action"] for e in _audit(client, admin, action="token.")["items"]]
    assert actions[:2] == ["token.revoke", "token.create"]


def test_site_and_permit_edits_need_a_reason_and_are_audited(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    admin = bearer(tokens["admin"])
    import_stations(client.app.state.ctx.engine, DEMO / "stations.yaml")
    no_reason = client.patch(
        f"/api/admin/stations/{STATION}", json={"active": False}, headers=admin
    )
    assert no_reason.status_code == 422
    off = client.patch(
        f"/api/admin/stations/{STATION}",
        json={"active": False, "reason": "trạm ngừng hoạt động để sửa chữa"},
        headers=admin,
    )
    assert off.status_code == 200 and off.json()["active"] is False
    assert (
        client.patch(
            "/api/admin/stations/NOPE", json={"active": False, "reason": "abc"}, headers=admin
        ).status_code
        == 404
    )
    permit = client.patch(
        f"/api/admin/stations/{STATION}/permit",
        json={
            "column_class": "A",
            "coefficients": {"Kp": 0.9, "Kv": 1.0},
            "reason": "giấy phép môi trường mới số 12/GP-UBND",
        },
        headers=admin,
    )
    assert permit.status_code == 200, permit.text
    assert permit.json()["column_class"] == "A"
    entries = _audit(client, admin, target=f"site:{STATION}")["items"]
    assert [e["action"] for e in entries] == ["permit.update", "site.update"]
    assert entries[0]["after"]["coefficients"] == {"Kp": 0.9, "Kv": 1.0}
    assert entries[1]["before"]["active"] is True and entries[1]["after"]["active"] is False
    assert (
        client.patch(
            f"/api/admin/stations/{STATION}/permit", json={"reason": "nothing"}, headers=admin
        ).status_code
        == 400
    )


def test_a_correction_is_a_new_version_and_the_reading_stays(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    admin = bearer(tokens["admin"])
    engine = client.app.state.ctx.engine
    import_stations(engine, DEMO / "stations.yaml")
    with engine.begin() as conn:
        conn.execute(
            insert(readings).values(
                station_id=STATION,
                parameter="Dust",
                observed_at=1_767_225_600,
                value=250.0,
                unit="mg/Nm3",
                status="00",
                qc_flags=0,
            )
        )
    when = "2026-01-01T07:00:00+07:00"
    body = {
        "station_id": STATION,
        "parameter": "Dust",
        "observed_at": when,
        "value": 25.0,
        "reason": "sai hệ số quy đổi của thiết bị",
    }
    first = client.post("/api/admin/corrections", json=body, headers=admin)
    assert first.status_code == 201, first.text
    second = client.post("/api/admin/corrections", json={**body, "value": None}, headers=admin)
    assert (first.json()["version"], second.json()["version"]) == (1, 2)
    assert second.json()["original_value"] == 250.0
    with engine.connect() as conn:
        assert conn.scalar(select(readings.c.value)) == 250.0  # the evidence is unchanged
    missing = client.post(
        "/api/admin/corrections",
        json={**body, "observed_at": "2026-01-02T07:00:00+07:00"},
        headers=admin,
    )
    assert missing.status_code == 404
    naive = client.post(
        "/api/admin/corrections", json={**body, "observed_at": "2026-01-01T07:00"}, headers=admin
    )
    assert naive.status_code == 422
    listed = client.get("/api/admin/corrections", params={"station": STATION}, headers=admin)
    assert [c["version"] for c in listed.json()] == [2, 1]
    trail = _audit(client, admin, action="reading.correct")["items"]
    assert trail[0]["before"]["value"] == 25.0 and trail[0]["after"]["value"] is None


def test_operators_and_viewers_cannot_administer(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    for role in ("viewer", "operator"):
        response = client.post(
            "/api/admin/users",
            json={"username": "x1", "role": "admin", "password": "x" * 12},
            headers=bearer(tokens[role]),
        )
        assert response.status_code == 403
    with client.app.state.ctx.engine.connect() as conn:
        assert conn.scalar(select(users.c.id).where(users.c.username == "x1")) is None
