"""Helpers shared by the administration pages: rendering, form values, error messages.

Pages post plain HTML forms (no JavaScript: the CSP forbids inline code) carrying the session's
CSRF token; a change answers 303 to the page with ``?ok=<what>`` (a fixed message, never text
from the URL), a refused change renders the form again with the reason and a 4xx status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from service.auth.pages import render
from service.auth.principal import Principal
from service.web.errors import status_for
from stations.errors import InvalidRequest, QuantracError
from stations.timeutil import epoch_to_local_iso

OK_MESSAGES = {
    "created": "Đã tạo tài khoản / account created",
    "saved": "Đã lưu / saved",
    "password": "Đã đặt mật khẩu mới / password set",
    "reverted": "Đã trả về giá trị trong văn bản gốc / back to the cited value",
}
PAGE_ERRORS = (QuantracError, ValidationError)


def page(
    name: str,
    principal: Principal,
    *,
    status: int = 200,
    ok: str | None = None,
    error: Exception | str | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render ``templates/admin/<name>`` with the principal (for the CSRF token) and messages."""
    return render(
        f"admin/{name}",
        status,
        principal=principal,
        ok=OK_MESSAGES.get(ok or ""),
        error=problem(error) if isinstance(error, Exception) else error,
        **context,
    )


def see_other(url: str) -> RedirectResponse:
    """After a successful POST: back to a page (303, so a reload does not post again)."""
    return RedirectResponse(url, status_code=303)


def status_of(exc: Exception) -> int:
    """The HTTP status a refused form answers with."""
    return 422 if isinstance(exc, ValidationError) else status_for(exc)


def problem(exc: Exception) -> str:
    """A message for a person: pydantic errors by field; domain errors say it themselves
    (ImportRejected lists every bad row)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '—'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def optional_text(value: str) -> str | None:
    """A form field: empty means "none"."""
    return value.strip() or None


def optional_flag(value: str) -> bool | None:
    """A yes/no select: ``true``/``false``; anything else means "unchanged"."""
    return {"true": True, "false": False}.get(value)


def optional_number(value: str, name: str) -> float | None:
    """A number typed by a person (decimal comma accepted); empty means "none"."""
    text = value.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidRequest(f"{name}: không phải số / not a number: {value!r}") from None


def local_day_start(value: str, tz: ZoneInfo, name: str) -> datetime | None:
    """``YYYY-MM-DD`` from a date input, as local midnight; empty means "none"."""
    text = value.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        raise InvalidRequest(f"{name}: cần YYYY-MM-DD / expected YYYY-MM-DD: {value!r}") from None


def local_day(seconds: int | None, tz: ZoneInfo) -> str:
    """Epoch seconds as the local ``YYYY-MM-DD`` a date input shows."""
    return "" if seconds is None else epoch_to_local_iso(seconds, tz)[:10]
