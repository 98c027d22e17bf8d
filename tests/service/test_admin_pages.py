"""Administration pages (HTML): who may see them, CSRF, and forms that really change data.

Access control on, browser sessions (cookie + CSRF token from the page), both backends.
Limit values are obviously test values (777): never a regulatory figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.alerting.runtime import runtime_for
from service.bootstrap import import_stations
from service.settings import Settings
from service.web.app import create_app
from stations.limits import load_limits
from stations.limits.loader import package_table
from stations.limits.overrides import row_key
from stations.store.account_tables import users
from stations.store.schema import permits, sites
from tests.service.test_auth_fixtures import (  # noqa: F401
    PASSWORD,
    fast_password_hashing,
    login,
    make_users,
)

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
STATION = "LS_KCNDB_NT01"
NO2 = package_table().find("QCVN 05:2023", "NO2", "1h", day=None)
assert NO2 is not None
NO2_KEY = row_key(NO2)
ALERTS = {
    "contacts": [{"id": "truc_ban", "email": "trucban@example.vn"}],
    "duty_officer": "truc_ban",
}

# (path, a Vietnamese label the page must show)
PAGES = [
    pytest.param("/admin", "Quản trị hệ thống", id="index"),
    pytest.param("/admin/users", "Tạo tài khoản", id="users"),
    pytest.param("/admin/stations", "Trạm và giấy phép", id="stations"),
    pytest.param("/admin/stations?type=point", "Điểm định kỳ", id="points"),
    pytest.param(f"/admin/stations/{STATION}", "Giấy phép môi trường", id="station"),
    pytest.param("/admin/limits", "Giá trị giới hạn", id="limits"),
    pytest.param(f"/admin/limits/{NO2_KEY}", "Sửa giá trị", id="limit"),
    pytest.param("/admin/recipients", "Người nhận cảnh báo", id="recipients"),
]


@pytest.fixture
def app_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The protected app with the demo stations, one user per role and an alerts file."""
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text(yaml.safe_dump(ALERTS), encoding="utf-8")
    s = settings.model_copy(update={"auth_enabled": True, "alerts_file": alerts})
    app = create_app(s, scheduler=False)
    make_users(app)
    import_stations(app.state.ctx.engine, DEMO)
    with TestClient(app) as client:
        yield client


def _as(client: TestClient, username: str) -> TestClient:
    assert login(client, username).status_code == 303
    return client


def _csrf(client: TestClient, page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert match, page
    return match.group(1)


def _post(client: TestClient, page: str, action: str, **form: str) -> object:
    form.setdefault("csrf_token", _csrf(client, page))
    return client.post(action, data=form, follow_redirects=False)


def _engine(client: TestClient):  # type: ignore[no-untyped-def]
    return client.app.state.ctx.engine  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "label"), PAGES)
def test_pages_render_for_an_administrator(app_client: TestClient, path: str, label: str) -> None:
    response = _as(app_client, "admin1").get(path)
    assert response.status_code == 200, response.text
    assert label in response.text
    assert "<script" not in response.text and "style=" not in response.text
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_other_roles_get_a_403_page(app_client: TestClient, role: str) -> None:
    client = _as(app_client, f"{role}1")
    for path in [p.values[0] for p in PAGES]:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 403, path
        assert "Không đủ quyền" in response.text
    refused = client.post("/admin/users", data={"username": "x", "csrf_token": "x"})
    assert refused.status_code == 403


def test_anonymous_browsers_are_sent_to_the_login_page(app_client: TestClient) -> None:
    for path in [p.values[0] for p in PAGES]:
        response = app_client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Fadmin")


@pytest.mark.parametrize("token", [None, "wrong"], ids=["missing", "wrong"])
def test_a_form_without_the_csrf_token_is_refused(
    app_client: TestClient, token: str | None
) -> None:
    client = _as(app_client, "admin1")
    form = {"username": "khach", "role": "viewer", "password": PASSWORD}
    if token:
        form["csrf_token"] = token
    response = client.post("/admin/users", data=form, follow_redirects=False)
    assert response.status_code == 403
    with _engine(client).connect() as conn:
        assert conn.scalar(select(users.c.id).where(users.c.username == "khach")) is None


def test_user_forms_create_change_and_reset(app_client: TestClient) -> None:
    client = _as(app_client, "admin1")
    created = _post(
        client, "/admin/users", "/admin/users",
        username="lan", display_name="Nguyễn Thị Lan", role="viewer", password=PASSWORD,
        reason="nhân viên mới",
    )  # fmt: skip
    assert created.status_code == 303 and created.headers["location"] == "/admin/users?ok=created"
    assert "Nguyễn Thị Lan" in client.get("/admin/users").text
    changed = _post(
        client, "/admin/users", "/admin/users/lan",
        role="operator", active="true", display_name="Nguyễn Thị Lan", reason="phân công",
    )  # fmt: skip
    assert changed.status_code == 303
    reset = _post(
        client, "/admin/users", "/admin/users/lan/password",
        password="mật-khẩu-mới-của-Lan", reason="quên mật khẩu",
    )  # fmt: skip
    assert reset.status_code == 303
    with _engine(client).connect() as conn:
        assert conn.scalar(select(users.c.role).where(users.c.username == "lan")) == "operator"
    short = _post(client, "/admin/users", "/admin/users/lan/password", password="ngắn")
    assert short.status_code == 400 and "10" in short.text  # type: ignore[attr-defined]
    other = TestClient(client.app)
    assert login(other, "lan", "mật-khẩu-mới-của-Lan").status_code == 303
    trail = client.get("/api/admin/audit", params={"target": "user:lan"}).json()["items"]
    assert {e["action"] for e in trail} >= {"user.create", "user.update", "user.password"}
    assert all(e["actor"] == "admin1" for e in trail if e["action"].startswith("user."))


def test_station_and_permit_forms(app_client: TestClient) -> None:
    client = _as(app_client, "admin1")
    page = f"/admin/stations/{STATION}"
    no_reason = _post(client, page, page, name="Tên mới", active="true", reason="")
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    renamed = _post(client, page, page, name="Trạm thử nghiệm", active="false", reason="đổi tên")
    assert renamed.status_code == 303  # type: ignore[attr-defined]
    bad_json = _post(client, page, f"{page}/permit", coefficients="{Kq: 0,9", reason="sửa")
    assert bad_json.status_code == 400 and "JSON" in bad_json.text  # type: ignore[attr-defined]
    permit = _post(
        client, page, f"{page}/permit",
        regulation="QCVN 40:2011/BTNMT", column_class="B", coefficients='{"Kq": 0.9, "Kf": 1.0}',
        limits='{"COD": 777}', o2_ref="", basis="1h", valid_from="2026-01-01", valid_to="",
        operating_since="2012-05-01", eia_approved_on="", permit_date="",
        reason="giấy phép mới",
    )  # fmt: skip
    assert permit.status_code == 303, permit.text  # type: ignore[attr-defined]
    with _engine(client).connect() as conn:
        site = conn.execute(select(sites).where(sites.c.id == STATION)).one()
        row = conn.execute(select(permits).where(permits.c.site_id == STATION)).one()
    assert (site.name, site.active) == ("Trạm thử nghiệm", False)
    assert row.limits == {"COD": 777} and row.coefficients == {"Kq": 0.9, "Kf": 1.0}
    assert row.column_class == "B" and row.valid_from is not None
    assert str(row.operating_since) == "2012-05-01" and row.permit_date is None  # issue 15
    shown = client.get(page).text
    assert "Trạm thử nghiệm" in shown and "2026-01-01" in shown and "2012-05-01" in shown


def test_limit_forms_edit_refuse_and_revert(app_client: TestClient) -> None:
    client = _as(app_client, "admin1")
    page = f"/admin/limits/{NO2_KEY}"
    missing = client.get("/admin/limits", params={"missing": "true"}).text
    assert 'class="missing' in missing and "thiếu / missing" in missing
    form = {"unit": "µg/Nm³", "citation": "TEST ONLY — not a regulatory value", "reason": "thử"}
    invalid = _post(client, page, page, value="777", low="1", confidence="low", **form)
    assert invalid.status_code == 422 and "not both" in invalid.text  # type: ignore[attr-defined]
    assert load_limits().find("QCVN 05:2023", "NO2", "1h").value == 200.0  # type: ignore[union-attr]
    saved = _post(client, page, page, value="777", confidence="low", **form)
    assert saved.status_code == 303  # type: ignore[attr-defined]
    assert load_limits().find("QCVN 05:2023", "NO2", "1h").value == 777.0  # type: ignore[union-attr]
    assert "ghi đè / override" in client.get(page).text
    reverted = _post(client, page, f"{page}/revert", reason="hoàn tác")
    assert reverted.status_code == 303  # type: ignore[attr-defined]
    assert load_limits().find("QCVN 05:2023", "NO2", "1h").value == 200.0  # type: ignore[union-attr]
    actions = [
        e["action"]
        for e in client.get("/api/admin/audit", params={"action": "limit."}).json()["items"]
    ]
    assert actions == ["limit.revert", "limit.override"]


def test_recipients_form(app_client: TestClient) -> None:
    client = _as(app_client, "admin1")
    page = "/admin/recipients"
    bad = _post(client, page, page, recipients="duty_officer: nobody\n", reason="thử")
    assert bad.status_code == 422 and "nobody" in bad.text  # type: ignore[attr-defined]
    text = (
        "contacts:\n- id: truc_ban\n  email: trucban@example.vn\n"
        "- id: pho_phong\n  email: pp@example.vn\nduty_officer: pho_phong\n"
    )
    saved = _post(client, page, page, recipients=text, reason="đổi ca trực")
    assert saved.status_code == 303  # type: ignore[attr-defined]
    path = client.app.state.ctx.settings.alerts_file  # type: ignore[attr-defined]
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["duty_officer"] == "pho_phong"
    assert runtime_for(client.app.state.ctx).config.duty_officer == "pho_phong"  # type: ignore[attr-defined]
    assert "pp@example.vn" in client.get(page).text
