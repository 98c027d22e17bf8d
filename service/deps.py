"""FastAPI dependencies shared by the routers (aliases defined once, as ``Annotated``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from service.context import AppContext
from service.settings import Settings


async def get_context(request: Request) -> AppContext:
    """The service's :class:`AppContext` (async: no worker-thread hop for a dict lookup)."""
    return request.app.state.ctx  # type: ignore[no-any-return]


async def get_engine(ctx: Annotated[AppContext, Depends(get_context)]) -> Engine:
    """The database engine."""
    return ctx.engine


async def get_settings(ctx: Annotated[AppContext, Depends(get_context)]) -> Settings:
    """The service settings."""
    return ctx.settings


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A read connection for the duration of one request."""
    with engine.connect() as conn:
        yield conn


ContextDep = Annotated[AppContext, Depends(get_context)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
