"""FastAPI dependencies shared by the routers (aliases defined once, as ``Annotated``).

Routes read the process's :class:`~service.runtime.Runtime` through ``RuntimeDep``
(``ContextDep`` is the same dependency under its former name).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine

from service.runtime import Runtime
from service.settings import Settings


async def get_runtime(request: Request) -> Runtime:
    """The service's :class:`Runtime` (async: no worker-thread hop for an attribute read)."""
    return cast(Runtime, request.app.state.ctx)


get_context = get_runtime  # former name, kept for importers


async def get_engine(rt: Annotated[Runtime, Depends(get_runtime)]) -> Engine:
    """The database engine."""
    return rt.engine


async def get_settings(rt: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    """The service settings."""
    return rt.settings


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """A read connection for the duration of one request."""
    with engine.connect() as conn:
        yield conn


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ContextDep = RuntimeDep
EngineDep = Annotated[Engine, Depends(get_engine)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
