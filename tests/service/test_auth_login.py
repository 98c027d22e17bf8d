"""Login page, session cookie, CSRF, rate limiting, logout and security headers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.auth.ratelimit import LoginRateLimiter
from stations.store.account_tables import audit_log
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    bearer,
    fast_password_hashing,
    login,
    make_users,
)


def test_login_page_is_vietnamese_first_and_sets_a_strict_csp(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    page = client.get("/login")
    assert page.status_code == 200
    assert "Đăng nhập" in page.text and page.text.index("Đăng nhập") < page.text.index("Log in")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert client.get("/auth/static/auth.css").headers["content-type"].startswith("text/css")


def test_browser_is_sent_to_login_and_back(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    first = client.get(
        "/api/alerts?state=open", headers={"accept": "text/html"}, follow_redirects=False
    )
    assert first.status_code == 303
    assert first.headers["location"] == "/login?next=%2Fapi%2Falerts%3Fstate%3Dopen"
    response = login(client, "operator1", next="/api/auth/me")
    assert response.status_code == 303 and response.headers["location"] == "/api/auth/me"
    cookie = response.headers["set-cookie"]
    assert "quantrac_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    me = client.get("/api/auth/me").json()
    assert me["username"] == "operator1" and me["role"] == "operator" and me["via"] == "session"


def test_next_cannot_leave_the_site(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    response = login(client, "viewer1", next="//evil.example/x")
    assert response.headers["location"] == "/map"


def test_wrong_password_is_refused_audited_and_rate_limited(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    limiter: LoginRateLimiter = client.app.state.ctx.login_limiter
    for _ in range(limiter.max_per_user):
        response = login(client, "admin1", password="sai mật khẩu rồi")
        assert response.status_code == 401
        assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
    blocked = login(client, "admin1")  # even the right password waits now
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    assert "quantrac_session" not in blocked.headers.get("set-cookie", "")
    with client.app.state.ctx.engine.connect() as conn:
        actions = conn.scalars(
            select(audit_log.c.action).where(audit_log.c.target == "user:admin1")
        )
        assert list(actions).count("auth.login_failed") == limiter.max_per_user


def test_login_form_without_its_csrf_cookie_is_refused(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    response = client.post(
        "/login",
        data={"username": "admin1", "password": "x" * 12, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_cookie_writes_need_the_csrf_token(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    login(client, "admin1")
    csrf = client.get("/api/auth/me").json()["csrf_token"]
    body = {"username": "lan", "role": "viewer", "password": "mật khẩu đủ dài"}
    assert client.post("/api/admin/users", json=body).status_code == 403
    assert (
        client.post("/api/admin/users", json=body, headers={"x-csrf-token": "no"}).status_code
        == 403
    )
    created = client.post("/api/admin/users", json=body, headers={"x-csrf-token": csrf})
    assert created.status_code == 201, created.text


def test_logout_ends_the_session_on_the_server(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    login(client, "viewer1")
    cookie = client.cookies.get("quantrac_session")
    csrf = client.get("/api/auth/me").json()["csrf_token"]
    assert (
        client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    )
    client.cookies.set("quantrac_session", cookie)  # a stolen copy of the cookie is now useless
    assert client.get("/api/auth/me").status_code == 401


def test_a_forged_cookie_is_ignored(auth_client) -> None:  # noqa: F811
    client, _ = auth_client
    client.cookies.set("quantrac_session", "abc.def")
    assert client.get("/api/auth/me").status_code == 401


def test_disabling_a_user_ends_sessions_and_tokens(auth_client) -> None:  # noqa: F811
    client, tokens = auth_client
    viewer = TestClient(client.app)
    login(viewer, "viewer1")
    assert viewer.get("/api/auth/me").status_code == 200
    admin = bearer(tokens["admin"])
    response = client.patch("/api/admin/users/viewer1", json={"active": False}, headers=admin)
    assert response.status_code == 200 and response.json()["active"] is False
    assert viewer.get("/api/auth/me").status_code == 401
    assert client.get("/api/auth/me", headers=bearer(tokens["viewer"])).status_code == 401


def test_auth_disabled_adds_only_headers(settings) -> None:  # type: ignore[no-untyped-def]
    from service.web.app import create_app

    with TestClient(create_app(settings, scheduler=False)) as client:
        response = client.get("/api/stations")
        assert response.status_code == 200
        assert "content-security-policy" in response.headers
        assert client.get("/api/auth/me").json()["role"] == "admin"  # local administrator


def test_public_read_opens_the_map_data_but_not_the_rest(
    auth_app: Callable[..., FastAPI],  # noqa: F811
) -> None:
    with TestClient(auth_app(public_read=True)) as client:
        assert client.get("/api/stations").status_code == 200
        assert client.get("/api/alerts").status_code == 401
        assert client.get("/api/admin/users").status_code == 401
