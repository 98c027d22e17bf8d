"""Map domain exceptions to HTTP answers; never leak internals in a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError

from layers.errors import UnknownCollection
from service.admin import errors as admin_errors
from service.auth import errors as account_errors
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

    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"detail": "Lỗi máy chủ nội bộ / internal server error"}, status_code=500
        )

    app.add_exception_handler(QuantracError, domain_error)
    app.add_exception_handler(SQLAlchemyTimeoutError, database_unavailable)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(Exception, unexpected)
