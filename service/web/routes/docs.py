"""``GET /docs``: Swagger UI served from our own origin (vendored in ``service/web/docs_ui``).

FastAPI's default page loads Swagger UI from a CDN without integrity checks; here every
script comes from ``/static/docs/`` and the page has no inline script, so its policy is
``script-src 'self'`` (see :mod:`service.auth.headers`).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

router = APIRouter(include_in_schema=False)

ASSETS_DIR = Path(__file__).resolve().parent.parent / "docs_ui"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "docs-init.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>quantrac — API (OpenAPI)</title>
<link rel="stylesheet" href="/static/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/static/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/docs/swagger-ui-bundle.js"></script>
<script src="/static/docs/docs-init.js"></script>
</body>
</html>
"""


@router.get("/docs")
def docs_page() -> HTMLResponse:
    """The interactive API documentation."""
    return HTMLResponse(PAGE)


@router.get("/static/docs/{name}")
def docs_asset(name: str) -> FileResponse:
    """One vendored Swagger UI file (a fixed list: no path is built from the request)."""
    media = ASSETS.get(name)
    if media is None:
        raise HTTPException(404, "Không có tệp / not found")
    return FileResponse(
        ASSETS_DIR / name, media_type=media, headers={"Cache-Control": "public, max-age=86400"}
    )
