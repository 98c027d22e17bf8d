"""Login and logout (session cookie), the current principal, and the login page's stylesheet."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from service.auth import secret_key
from service.auth.accounts import authenticate, username_key
from service.auth.credentials import SESSION_TTL, close_session, open_session
from service.auth.deps import PrincipalDep
from service.auth.middleware import SESSION_COOKIE
from service.auth.pages import render, stylesheet
from service.auth.secret import same
from service.web.deps import ContextDep
from stations.store.audit import record_audit
from stations.timeutil import now_epoch

router = APIRouter(tags=["auth"])

LOGIN_CSRF_COOKIE = "quantrac_login_csrf"
MSG_BAD_LOGIN = "Sai tên đăng nhập hoặc mật khẩu / wrong username or password"
MSG_EXPIRED_FORM = "Biểu mẫu đã hết hạn, hãy thử lại / the form expired, please try again"
MSG_TOO_MANY = (
    "Quá nhiều lần đăng nhập sai, hãy thử lại sau {minutes} phút / "
    "too many failed logins, try again in {minutes} min"
)


def _safe_next(target: str | None) -> str:
    # Only same-site paths: "//evil.example" and "/\evil" would leave the site.
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/map"
    return target


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request,
    ctx: ContextDep,
    *,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    next_: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        "login.html",
        status_code=status,
        csrf_token=token,
        next=_safe_next(next_),
        username=username,
        error=error,
        principal=None,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=ctx.settings.base_url.startswith("https://"),
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@router.get("/login", include_in_schema=False)
def login_page(request: Request, ctx: ContextDep, next: str | None = None) -> Response:
    """The login form (Vietnamese first)."""
    return _login_page(request, ctx, next_=next)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    ctx: ContextDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/map",
) -> Response:
    """Check the password, open a session, and go to ``next`` (a same-site path)."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not csrf_token or not same(cookie, csrf_token):
        return _login_page(request, ctx, status=403, error=MSG_EXPIRED_FORM, next_=next)
    limiter = ctx.login_limiter
    client, now = _client(request), now_epoch()
    wait = limiter.retry_after(username, client, now)
    if wait is not None:
        minutes = max(1, (wait + 59) // 60)
        return _login_page(
            request,
            ctx,
            status=429,
            error=MSG_TOO_MANY.format(minutes=minutes),
            username=username,
            next_=next,
            headers={"Retry-After": str(wait)},
        )
    with ctx.engine.begin() as conn:
        account = authenticate(conn, username, password, now)
        if account is None:
            record_audit(
                conn,
                "anonymous",
                "auth.login_failed",
                f"user:{username_key(username)[:64]}",
                after={"client": client},
                at=now,
            )
        else:
            cookie_value = open_session(conn, secret_key(ctx), account.id, now, client)
            record_audit(
                conn,
                account.username,
                "auth.login",
                f"user:{account.username}",
                after={"client": client},
                at=now,
            )
    if account is None:
        limiter.failed(username, client, now)
        return _login_page(
            request, ctx, status=401, error=MSG_BAD_LOGIN, username=username, next_=next
        )
    limiter.succeeded(username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_value,
        max_age=SESSION_TTL,
        httponly=True,
        samesite="lax",
        path="/",
        secure=ctx.settings.base_url.startswith("https://"),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False)
def logout(
    request: Request,
    ctx: ContextDep,
    principal: PrincipalDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """End the session (CSRF-checked, so another site cannot log a user out)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    sent = request.headers.get("x-csrf-token") or csrf_token
    if cookie and principal.via == "session" and principal.csrf and same(sent, principal.csrf):
        with ctx.engine.begin() as conn:
            close_session(conn, secret_key(ctx), cookie)
            record_audit(conn, principal.actor, "auth.logout", f"user:{principal.username}")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/api/auth/me", summary="Who am I (username, role, CSRF token for scripts in pages)")
def me(principal: PrincipalDep) -> dict[str, Any]:
    """The current principal; pages send ``csrf_token`` back as the ``X-CSRF-Token`` header."""
    return {
        "username": principal.username,
        "role": principal.role.label if principal.role else None,
        "via": principal.via,
        "csrf_token": principal.csrf,
    }


@router.get("/auth/static/auth.css", include_in_schema=False)
def auth_css() -> Response:
    """The stylesheet of the login and administration pages."""
    return Response(
        stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )
