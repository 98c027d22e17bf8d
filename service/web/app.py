"""``create_app(settings)``: the FastAPI application factory. Nothing is read at import time."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from service import auth
from service.admin.limits import overrides_file
from service.auth.observability import configure_logging
from service.database import make_engine
from service.filemodes import private_dir
from service.public import basemap_routes, subscribe_routes
from service.public import routes as public_routes
from service.runtime import Runtime
from service.settings import Settings
from service.web import cpu_slots
from service.web.body_limit import BodyLimitMiddleware
from service.web.errors import install_error_handlers
from service.web.openapi_errors import ERROR_RESPONSES, install_document
from service.web.routes import (
    admin,
    admin_config,
    admin_config_pages,
    admin_ingest,
    admin_ingest_pages,
    admin_missing,
    admin_pages,
    admin_quarantine,
    alerts,
    compliance,
    docs,
    facility_report,
    forwarding,
    health,
    layers,
    metrics,
    ogc,
    programme,
    readings,
    station_page,
    stations,
)
from service.web.routes import auth as auth_routes
from service.web.routes import map as map_routes
from service.web.routes import warnings as warning_routes
from stations.limits import configure_overrides
from stations.programme.wqi_formula import configure_wqi_formula

log = logging.getLogger(__name__)

# Order matters only for overlapping paths.
ROUTERS = (
    health.router,
    stations.router,
    readings.router,
    compliance.router,
    alerts.router,
    ogc.router,
    layers.router,
    map_routes.router,
    programme.router,
    auth_routes.router,
    admin.router,
    admin_config.router,
    admin_pages.router,
    admin_config_pages.router,
    admin_missing.router,
    facility_report.router,
    metrics.router,
    docs.router,
    public_routes.router,
    subscribe_routes.router,
    basemap_routes.router,
    admin_ingest.router,
    admin_quarantine.router,
    admin_ingest_pages.router,
    forwarding.router,
    forwarding.pages,
    warning_routes.router,
    station_page.router,
)


def create_app(settings: Settings | None = None, *, scheduler: bool | None = None) -> FastAPI:
    """Build the app. ``scheduler`` overrides ``settings.scheduler_enabled`` (tests pass False)."""
    settings = settings or Settings()
    private_dir(settings.data_dir)
    # The administrator's limit overrides apply wherever load_limits() is called (one per process).
    configure_overrides(overrides_file(settings.data_dir))
    configure_wqi_formula(settings.wqi_formula)
    ctx = Runtime(settings=settings, engine=make_engine(settings.db_url))
    cpu_slots.configure(ctx.engine.dialect.name)
    run_scheduler = settings.scheduler_enabled if scheduler is None else scheduler

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        sched = None
        if run_scheduler:
            from service.worker.leader import SchedulerLeader
            from service.worker.scheduler import start_scheduler

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
        responses=ERROR_RESPONSES,  # the 4xx/503 answers every route may give
        docs_url=None,  # service.web.routes.docs serves a vendored Swagger UI (no CDN)
        redoc_url=None,
    )
    app.state.ctx = ctx
    install_document(app)
    install_error_handlers(app)
    auth.install(app, ctx)  # login, sessions, tokens, role checks, security headers
    # Outermost: one bound on every request body, also the form the CSRF check reads.
    app.add_middleware(BodyLimitMiddleware, https=settings.base_url.startswith("https://"))  # type: ignore[arg-type]
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/map")

    return app


def app_from_environment() -> FastAPI:
    """The app of one ``quantrac serve --workers N`` process: settings from the environment
    (the parent wrote its options there) and the same logging as the CLI."""
    settings = Settings()
    configure_logging(logging.INFO, settings.log_format)
    app = create_app(settings)
    from service.web.http_server import freeze_startup_heap  # uvicorn stays out of app's imports

    freeze_startup_heap()
    return app
