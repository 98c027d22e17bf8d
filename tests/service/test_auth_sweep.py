"""Authorisation sweep: every route of the app, every role, both anonymous-access modes.

Routes are discovered from the OpenAPI document and the app's route list, so routes other
areas add later are swept too. The expectations below are written independently of
``service.auth.policy`` (they restate the issue's rules), so a wrong table line fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Route

from service.web.app import ROUTERS
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    bearer,
    fast_password_hashing,
    make_users,
    status_of,
)

# Always reachable without logging in.
ALWAYS_OPEN = {("GET", "/healthz"), ("GET", "/login"), ("GET", "/auth/static/auth.css")}
ALWAYS_OPEN |= {("GET", "/api/warnings"), ("GET", "/api/warnings.cap")}  # open warning feeds
# Form endpoints that do their own CSRF check (they answer 403 to a form without it).
SELF_CHECKED = {("POST", "/login"), ("POST", "/logout")}
# What public_read=True exposes (read-only).
PUBLIC_READ = (
    "/map",
    "/static",
    "/ogc",
    "/api/stations",
    "/api/layers",
    "/tiles",
    "/export",
    "/api/aqi",
)
# Writes an operator may make.
OPERATOR_WRITES = (
    re.compile(r"^/api/alerts/[^/]+/ack$"),
    re.compile(r"^/api/results(/.*)?$"),
    re.compile(r"^/api/programme/results(/.*)?$"),
    re.compile(r"^/api/programme/rounds/[^/]+/results$"),
)
DENIED = (401, 403)


def _concrete(path: str) -> str:
    path = re.sub(r"\{[^}]+:path\}", "a/b", path)
    return re.sub(r"\{[^}]+\}", "0", path)


def discover(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, concrete path) the app serves: OpenAPI paths plus hidden routes."""
    found: set[tuple[str, str]] = set()
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
                found.add((method.upper(), path))
    # Routes left out of the schema (pages, login, static files): the app's own and, since
    # FastAPI keeps included routers as one entry in app.routes, each router's in ROUTERS.
    routes = [*app.routes, *(route for router in ROUTERS for route in router.routes)]
    for route in routes:
        if isinstance(route, Route) and route.methods:
            for method in route.methods - {"HEAD"}:
                found.add((method, route.path))
    # Deny by default also for paths nobody wrote.
    found |= {("POST", "/api/not-a-route"), ("DELETE", "/api/stations/{x}")}
    return sorted((m, _concrete(p)) for m, p in found)


def _is_public_read(path: str) -> bool:
    return path == "/" or any(path == p or path.startswith(p + "/") for p in PUBLIC_READ)


def _is_citizens_portal(method: str, path: str) -> bool:
    """The public portal (issue 18): reads and the subscription forms, no login whatever
    public_read says."""
    if method == "POST":
        return path == "/public/subscriptions" or path.startswith("/public/subscriptions/")
    return method == "GET" and (path == "/public" or path.startswith("/public/"))


def _is_admin(path: str) -> bool:
    return path.startswith(("/api/admin/", "/admin")) or path == "/api/admin"


def expected_denial(method: str, path: str, role: str | None, public_read: bool) -> int | None:
    """401/403 when the request must be refused, None when it must get through."""
    if (method, path) in ALWAYS_OPEN or _is_citizens_portal(method, path):
        return None
    reads = method == "GET"
    if role is None:
        return None if reads and public_read and _is_public_read(path) else 401
    if _is_admin(path):
        return None if role == "admin" else 403
    if reads or role == "admin":
        return None
    if role == "operator" and any(p.match(path) for p in OPERATOR_WRITES):
        return None
    return 403


@pytest.mark.parametrize("public_read", [False, True], ids=["private", "public-read"])
def test_every_route_enforces_its_role(
    auth_app: Callable[..., FastAPI],  # noqa: F811
    public_read: bool,
) -> None:
    app = auth_app(public_read=public_read)
    tokens = make_users(app)
    routes = discover(app)
    assert ("GET", "/api/admin/users") in routes and ("GET", "/api/stations") in routes
    # The administration pages are left out of the OpenAPI document but swept all the same.
    assert {("GET", "/admin"), ("POST", "/admin/users"), ("POST", "/admin/limits/0")} <= set(routes)
    assert ("PUT", "/api/admin/limits/0") in routes and ("PUT", "/api/admin/recipients") in routes
    failures: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for method, path in routes:
            if (method, path) in SELF_CHECKED:
                continue
            for role in (None, "viewer", "operator", "admin"):
                got = status_of(client, method, path, bearer(tokens[role] if role else None))
                want = expected_denial(method, path, role, public_read)
                if want is not None and got != want:
                    failures.append(f"{method} {path} as {role}: {got}, expected {want}")
                if want is None and got in DENIED:
                    failures.append(f"{method} {path} as {role}: {got}, expected access")
                if got >= 500:
                    failures.append(f"{method} {path} as {role}: server error {got}")
    assert not failures, "\n".join(failures)


def test_a_bad_or_revoked_token_is_refused(auth_app: Callable[..., FastAPI]) -> None:  # noqa: F811
    app = auth_app(public_read=True)
    tokens = make_users(app)
    with TestClient(app) as client:
        bad = client.get("/api/stations", headers=bearer("qt_not-a-real-token"))
        assert bad.status_code == 401
        assert 'error="invalid_token"' in bad.headers["www-authenticate"]
        admin = bearer(tokens["admin"])
        listed = client.get("/api/admin/tokens", params={"username": "viewer1"}, headers=admin)
        (viewer_token,) = listed.json()
        assert client.delete(f"/api/admin/tokens/{viewer_token['id']}", headers=admin).is_success
        assert client.get("/api/alerts", headers=bearer(tokens["viewer"])).status_code == 401
