"""Fixtures shared by the trust-area tests (imported by test_auth*/test_admin*/... modules).

``auth_app(public_read=...)`` builds ``create_app`` with access control ON on the test's
database; ``bearer`` holds one API token per role (and ``None`` for anonymous).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.auth.accounts import create_account
from service.auth.credentials import issue_token
from service.settings import Settings
from service.web.app import create_app

PASSWORD = "mật-khẩu-thử-nghiệm-1"
ROLES = ("viewer", "operator", "admin")


def make_users(app: FastAPI) -> dict[str, str]:
    """One user per role (``<role>1``) and a bearer token for each; returns {role: token}."""
    tokens: dict[str, str] = {}
    with app.state.ctx.engine.begin() as conn:
        for role in ROLES:
            create_account(
                conn,
                username=f"{role}1",
                display_name=f"Test {role}",
                role=role,
                password=PASSWORD,
                actor="test",
                now=1_700_000_000,
            )
            _, tokens[role] = issue_token(
                conn, username=f"{role}1", name="tests", actor="test", now=1_700_000_000
            )
    return tokens


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters in tests (production keeps the library's safe defaults)."""
    from argon2 import PasswordHasher

    from service.auth import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def auth_app(settings: Settings) -> Callable[..., FastAPI]:
    """Factory: the app with access control on (``public_read`` chosen by the test)."""

    def build(public_read: bool = False) -> FastAPI:
        s = settings.model_copy(update={"auth_enabled": True, "public_read": public_read})
        return create_app(s, scheduler=False)

    return build


@pytest.fixture
def auth_client(auth_app: Callable[..., FastAPI]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client on the protected app (public_read off) and {role: bearer token}."""
    app = auth_app()
    tokens = make_users(app)
    with TestClient(app) as client:
        yield client, tokens


def bearer(token: str | None) -> dict[str, str]:
    """Authorization header for a token (none for anonymous)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def login(client: TestClient, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    """Fetch the login form, then post it; returns the POST response (not followed)."""
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    data = {"username": username, "password": password, "csrf_token": match.group(1), **extra}
    return client.post("/login", data=data, follow_redirects=False)


async def _status_of(app: FastAPI, method: str, path: str, headers: dict[str, str]) -> int:
    """The status an ASGI app answers with, without waiting for the body.

    Streaming routes (server-sent events) never finish a body, so the sweep stops listening
    as soon as the response starts and then disconnects, like a browser closing the tab.
    """
    import anyio

    started = anyio.Event()
    status = 0
    body_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            started.set()

    async def run() -> None:
        nonlocal status
        try:
            await app(scope, receive, send)  # type: ignore[arg-type]
        except Exception:
            status = status or 500
        started.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    with anyio.fail_after(30):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run)
            await started.wait()
            tasks.cancel_scope.cancel()
    return status


def status_of(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    """:func:`_status_of` run on the client's event loop (its lifespan is running)."""
    assert client.portal is not None
    return client.portal.call(_status_of, client.app, method, path, headers)
