"""Access control, audit support, metrics and security headers for the web service.

``service.web.app.create_app`` calls :func:`install` before the routers are included. With
``settings.auth_enabled`` False only the security headers and request metrics are installed
(every request then acts as a local administrator, for trials on one's own machine).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service.auth import errors
from service.auth.headers import SecurityHeadersMiddleware
from service.auth.middleware import AuthMiddleware
from service.auth.observability import MetricsMiddleware

if TYPE_CHECKING:
    from service.runtime import Runtime

__all__ = ["install", "secret_key"]


def secret_key(ctx: Runtime) -> bytes:
    """The signing key (loaded or generated once per app)."""
    return ctx.secret_key


def _install_error_handlers(app: FastAPI) -> None:
    async def account_error(_request: Request, exc: Exception) -> JSONResponse:
        status = next(
            (code for cls in type(exc).__mro__ if (code := errors.STATUS_CODES.get(cls))), 400
        )
        return JSONResponse({"detail": str(exc)}, status_code=status)

    app.add_exception_handler(errors.AccountError, account_error)


def install(app: FastAPI, ctx: Runtime) -> None:
    """Add the access check, request metrics and security headers to ``app``.

    Middleware order (outermost first): security headers, metrics, access check, so refused
    requests are counted and still carry the headers.
    """
    settings = ctx.settings
    _install_error_handlers(app)
    if settings.auth_enabled:
        app.add_middleware(
            AuthMiddleware,  # type: ignore[arg-type]
            engine=ctx.engine,
            key=secret_key(ctx),
            public_read=settings.public_read,
        )
    app.add_middleware(MetricsMiddleware, metrics=ctx.request_metrics)  # type: ignore[arg-type]
    app.add_middleware(
        SecurityHeadersMiddleware,  # type: ignore[arg-type]
        https=settings.base_url.startswith("https://"),
    )
