"""The access check in front of every route: who is asking, what the path needs, CSRF.

Runs before routing (a pure ASGI middleware), so it also guards static files and routes added
by any area without their help. Steps:

1. Resolve the principal from ``Authorization: Bearer <token>`` or the session cookie.
2. Look up the access the method + path needs in :mod:`service.auth.policy`.
3. Refuse with 401 (nobody logged in; browsers are sent to the login page) or 403 (logged in,
   role too low).
4. For unsafe methods authenticated by the session cookie, require the CSRF token in the
   ``X-CSRF-Token`` header or a ``csrf_token`` form field. Bearer tokens need none: a browser
   never sends them on its own.

The principal is left in ``request.state.principal`` for routes (see ``service.auth.deps``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from anyio import to_thread
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.credentials import session_principal, token_principal
from service.auth.pages import render
from service.auth.policy import SAFE_METHODS, Access, is_allowed, required_access
from service.auth.principal import ANONYMOUS, Principal
from service.auth.secret import same
from service.web.route_walk import all_routes
from stations.timeutil import now_epoch

SESSION_COOKIE = "quantrac_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
MAX_FORM_BYTES = 64 * 1024 * 1024  # a results workbook fits; bigger bodies need the header

MSG_LOGIN = "Cần đăng nhập / login required"
MSG_TOKEN = "Mã truy cập không hợp lệ hoặc đã thu hồi / invalid, expired or revoked token"
MSG_ROLE = "Không đủ quyền (cần vai trò {role}) / forbidden: needs the {role} role"
MSG_CSRF = "Thiếu hoặc sai mã CSRF / missing or wrong CSRF token"


def _json(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class AuthMiddleware:
    """Enforces :data:`service.auth.policy.RULES` on every HTTP request."""

    def __init__(self, app: ASGIApp, *, engine: Engine, key: bytes, public_read: bool) -> None:
        self.app = app
        self.engine = engine
        self.key = key
        self.public_read = public_read

    def _resolve(self, headers: Headers) -> tuple[Principal, bool]:
        """(principal, bad_token): bad_token is True when a bearer token was refused."""
        authorization = headers.get("authorization", "")
        scheme, _, credential = authorization.partition(" ")
        cookie = Request({"type": "http", "headers": headers.raw}).cookies.get(SESSION_COOKIE)
        if not credential and not cookie:
            return ANONYMOUS, False
        with self.engine.begin() as conn:
            now = now_epoch()
            if scheme.lower() == "bearer" and credential:
                principal = token_principal(conn, credential.strip(), now)
                return (principal, False) if principal else (ANONYMOUS, True)
            if cookie:
                principal = session_principal(conn, self.key, cookie, now)
                if principal is not None:
                    return principal, False
        return ANONYMOUS, False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"].upper()
        path: str = scope["path"]
        headers = Headers(scope=scope)
        principal, bad_token = await to_thread.run_sync(self._resolve, headers)
        scope.setdefault("state", {})["principal"] = principal
        access = required_access(method, path)

        # A token that was sent but refused is an error even where anonymous reads are open:
        # the script must learn that its token expired or was revoked.
        refused = bad_token and access is not Access.PUBLIC
        if refused or not is_allowed(access, principal, public_read=self.public_read):
            routed = _routed_methods(scope)
            if routed is not None and method not in routed:
                # No route anywhere takes TRACE, CONNECT or an invented method: routing answers
                # 405 without running anything, and this says nothing about which paths exist.
                # A known method on a known path stays refused before routing (deny by default:
                # an anonymous caller cannot map the API).
                await self.app(scope, receive, send)
                return
            await self._refuse(scope, receive, send, principal, access, bad_token, headers)
            return
        if (
            principal.via == "session"
            and method not in SAFE_METHODS
            and access is not Access.PUBLIC
        ):
            receive, ok = await self._check_csrf(scope, receive, headers, principal)
            if not ok:
                await _json(403, MSG_CSRF)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        principal: Principal,
        access: Access,
        bad_token: bool,
        headers: Headers,
    ) -> None:
        if principal.is_anonymous:
            wants_html = "text/html" in headers.get("accept", "")
            if scope["method"] in SAFE_METHODS and wants_html and not bad_token:
                target = scope["path"] + (
                    "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
                )
                redirect = RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
                await redirect(scope, receive, send)
                return
            challenge = 'Bearer error="invalid_token"' if bad_token else "Bearer"
            response = _json(
                401, MSG_TOKEN if bad_token else MSG_LOGIN, {"WWW-Authenticate": challenge}
            )
            await response(scope, receive, send)
            return
        role = access.role.label if access.role else "?"
        if scope["method"] in SAFE_METHODS and "text/html" in headers.get("accept", ""):
            # A person following a link gets a page, not JSON.
            page = render("forbidden.html", 403, principal=principal, role=role)
            await page(scope, receive, send)
            return
        await _json(403, MSG_ROLE.format(role=role))(scope, receive, send)

    async def _check_csrf(
        self, scope: Scope, receive: Receive, headers: Headers, principal: Principal
    ) -> tuple[Receive, bool]:
        """(receive to pass on, ok). Form bodies are read here and replayed to the route."""
        expected = principal.csrf or ""
        sent = headers.get(CSRF_HEADER)
        if sent is not None:
            return receive, same(sent, expected)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return receive, False
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return receive, False
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                return receive, False
        replay = _replay(bytes(body), receive)
        if content_type == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("latin-1")).get(CSRF_FIELD, [])
            sent = values[0] if values else None
        else:
            form = await Request(scope, _replay(bytes(body), receive)).form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
            await form.close()
        return replay, sent is not None and same(sent, expected)


_ROUTED_METHODS: dict[int, frozenset[str]] = {}


def _routed_methods(scope: Scope) -> frozenset[str] | None:
    """Every method some route of the app takes (None when the app is unknown: refuse)."""
    app = scope.get("app")
    if getattr(app, "router", None) is None:
        return None
    key = id(app)
    if key not in _ROUTED_METHODS:
        methods = {"GET", "HEAD", "OPTIONS"}
        for route in all_routes(app):
            methods |= set(getattr(route, "methods", None) or ())
        _ROUTED_METHODS[key] = frozenset(methods)
    return _ROUTED_METHODS[key]


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields ``body`` once, then defers to the real one (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
