"""Security headers on every response (installed even when access control is off).

The staff map is a folium page: Leaflet and its plugins are served from our own origin, but
folium writes inline ``<script>`` and ``style`` blocks, so the map's policy allows inline code
from our own page while refusing every other origin (basemap tiles come through our proxy,
/public/basemap). Our own pages (login, administration) get a strict policy with no inline code.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = (
    "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; connect-src 'self'; font-src 'self' data:; "
)
MAP_CSP = (
    _COMMON + "script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:"
)
STRICT_CSP = _COMMON + "script-src 'self'; style-src 'self'; img-src 'self' data:"
# Swagger UI is vendored (service/web/docs_ui) and started by our own script: no CDN, no inline
# script; it sets inline style attributes, hence 'unsafe-inline' for styles only.
DOCS_CSP = _COMMON + "script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
# The public portal: no inline code; its widget may be framed by any site (no X-Frame-Options).
PUBLIC_CSP = STRICT_CSP
WIDGET_CSP = STRICT_CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
WIDGET_PREFIX = "/public/widget/"
STRICT_PREFIXES = ("/login", "/logout", "/admin", "/auth/", "/api/admin")
DOCS_PATHS = ("/docs",)


def csp_for(path: str) -> str:
    """The Content-Security-Policy for a path."""
    if path.startswith(STRICT_PREFIXES):
        return STRICT_CSP
    if path in DOCS_PATHS:
        return DOCS_CSP
    if path.startswith(WIDGET_PREFIX):
        return WIDGET_CSP
    if path == "/public" or path.startswith("/public/"):
        return PUBLIC_CSP
    return MAP_CSP


def security_headers(path: str, *, https: bool) -> list[tuple[bytes, bytes]]:
    """The security headers of an answer to ``path`` (also added to 500 answers)."""
    extra = [
        (b"content-security-policy", csp_for(path).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    ]
    if not path.startswith(WIDGET_PREFIX):
        extra.append((b"x-frame-options", b"DENY"))
    if https:
        extra.append((b"strict-transport-security", b"max-age=31536000"))
    if path.startswith(STRICT_PREFIXES):
        extra.append((b"cache-control", b"no-store"))
    return extra


class SecurityHeadersMiddleware:
    """Adds CSP, nosniff, framing, referrer and (on HTTPS) HSTS headers unless already set."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope["path"], https=self.https)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend((k, v) for k, v in extra if k not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
