"""Server-rendered pages of the trust area (login, administration): Jinja2, autoescaped."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "auth"
# Administration pages live in templates/admin/ and extend auth's base.html (same look).
ALL_TEMPLATES = TEMPLATES.parent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader([TEMPLATES, ALL_TEMPLATES]),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/auth/<name>`` (or ``templates/admin/...`` as ``admin/<name>``)."""
    html = _environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code)


def stylesheet() -> str:
    """The pages' stylesheet."""
    return (TEMPLATES / "auth.css").read_text(encoding="utf-8")
