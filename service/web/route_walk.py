"""Every route of an app, including those of included routers (FastAPI keeps an included
router as one opaque entry in ``app.router.routes``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def all_routes(app: Any) -> Iterator[Any]:
    """The app's routes, flattened (routers are included without an extra prefix here)."""
    stack = list(getattr(getattr(app, "router", None), "routes", ()))
    while stack:
        route = stack.pop(0)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            stack[:0] = list(inner.routes)
        else:
            yield route
