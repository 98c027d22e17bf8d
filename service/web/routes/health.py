"""``GET /healthz``: the service is up and its database answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from service.web.deps import EngineDep
from service.web.routes.answers import HealthAnswer

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    summary="Liveness and database check",
    responses={200: {"model": HealthAnswer}, 503: {"model": HealthAnswer}},
)
def healthz(engine: EngineDep) -> JSONResponse:
    """200 with ``{"status": "ok"}`` when the database answers, 503 otherwise."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": engine.dialect.name})
