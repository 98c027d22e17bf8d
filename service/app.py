"""``create_app(settings)``: the FastAPI application factory. Nothing is read at import time."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from service.context import AppContext
from service.database import make_engine
from service.errors import install_error_handlers
from service.settings import Settings

log = logging.getLogger(__name__)

# Each module exposes ``router``; order matters only for overlapping paths.
ROUTER_MODULES = (
    "service.routes.health",
    "service.routes.stations",
    "service.routes.readings",
    "service.routes.compliance",
    "service.routes.alerts",
    "service.routes.ogc",
    "service.routes.layers",
    "service.routes.map",
    "service.routes.programme",
    "service.routes.auth",
    "service.routes.admin",
    "service.routes.metrics",
)


def _optional_module(name: str):  # type: ignore[no-untyped-def]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise
        return None


def create_app(settings: Settings | None = None, *, scheduler: bool | None = None) -> FastAPI:
    """Build the app. ``scheduler`` overrides ``settings.scheduler_enabled`` (tests pass False)."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ctx = AppContext(settings=settings, engine=make_engine(settings.db_url))
    run_scheduler = settings.scheduler_enabled if scheduler is None else scheduler

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sched = None
        if run_scheduler:
            from service.leader import SchedulerLeader
            from service.scheduler import start_scheduler

            # With several replicas on PostgreSQL only the advisory-lock holder schedules.
            sched = SchedulerLeader(ctx.engine, lambda: start_scheduler(ctx)).start()
        try:
            yield
        finally:
            if sched is not None:
                sched.shutdown(wait=False)
            ctx.engine.dispose()

    app = FastAPI(
        title="quantrac",
        description="Quan trắc môi trường tự động — environmental monitoring service",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    install_error_handlers(app)
    auth = _optional_module("service.auth")
    if auth is not None:
        auth.install(app, ctx)  # login, sessions, tokens, role checks, security headers
    for name in ROUTER_MODULES:
        module = _optional_module(name)
        if module is not None:
            app.include_router(module.router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/map")

    return app
