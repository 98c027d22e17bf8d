"""Map domain exceptions to HTTP answers; never leak internals in a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.routing import Match

from layers.errors import UnknownCollection
from service.admin import errors as admin_errors
from service.auth import errors as account_errors
from service.auth.headers import security_headers
from service.web.route_walk import all_routes
from stations.alerts.errors import AlertAlreadyResolved, UnknownAlert
from stations.compliance.facility_report import UnknownFacility
from stations.errors import (
    ImportRejected,
    InvalidRequest,
    QuantracError,
    UnknownParameter,
    UnknownStation,
)
from stations.programme.rounds import UnknownRound
from stations.store.corrections import UnknownReading

log = logging.getLogger(__name__)

STATUS_CODES: dict[type[Exception], int] = {
    UnknownAlert: 404,
    AlertAlreadyResolved: 409,
    UnknownRound: 404,
    UnknownCollection: 404,
    UnknownReading: 404,
    UnknownStation: 404,
    UnknownParameter: 404,
    UnknownFacility: 404,
    **admin_errors.STATUS_CODES,
    **account_errors.STATUS_CODES,
    InvalidRequest: 400,
    ImportRejected: 422,
    QuantracError: 400,
}


def status_for(exc: Exception) -> int:
    """The HTTP status of a domain error (500 for anything unexpected)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Install one handler per mapped class, plus a catch-all that hides internals."""

    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        body: dict[str, object] = {"detail": str(exc)}
        if isinstance(exc, ImportRejected):
            body["errors"] = [
                {"row": e.row, "column": e.column, "message": e.message} for e in exc.errors
            ]
            body["total_errors"] = exc.total
        return JSONResponse(body, status_code=status_for(exc))

    async def database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # Busy or unreachable database: the request may succeed later, so 503 + Retry-After.
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            {
                "detail": "Cơ sở dữ liệu đang bận hoặc không truy cập được, thử lại sau / "
                "the database is busy or unreachable, try again later"
            },
            status_code=503,
            headers={"Retry-After": "5"},
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        # Starlette answers a 500 outside every middleware: add the security headers here.
        https = request.url.scheme == "https" or str(
            getattr(request.app.state.ctx.settings, "base_url", "")
        ).startswith("https://")
        headers = {
            k.decode(): v.decode() for k, v in security_headers(request.url.path, https=https)
        }
        return JSONResponse(
            {"detail": "Lỗi máy chủ nội bộ / internal server error"},
            status_code=500,
            headers=headers,
        )

    async def method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
        # Starlette names only the first route matching the path; list every method it has.
        scope = {"type": "http", "path": request.url.path, "method": "GET"}
        matching = [
            route
            for route in all_routes(request.app)
            if getattr(route, "methods", None) and route.matches(scope)[0] is not Match.NONE
        ]
        # A literal path (/quarantine/replay) is not also the {id} of a templated one.
        literal = [r for r in matching if "{" not in getattr(r, "path_format", "{")]
        allowed: set[str] = set()
        for route in literal or matching:
            allowed |= set(route.methods)
        return JSONResponse(
            {"detail": "Phương thức không được phép / method not allowed"},
            status_code=405,
            headers={"Allow": ", ".join(sorted(allowed))},
        )

    app.add_exception_handler(405, method_not_allowed)
    app.add_exception_handler(QuantracError, domain_error)
    app.add_exception_handler(SQLAlchemyTimeoutError, database_unavailable)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(Exception, unexpected)
