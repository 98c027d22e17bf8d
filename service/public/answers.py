"""HTTP answers for public entries: conditional GET, gzip, cache headers, rate limit."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from fastapi import HTTPException, Request, Response

from service.public.cache import Entry
from service.web.json_answer import accepts_gzip

# Browsers and the proxy may reuse an answer for a minute and serve it stale while revalidating.
CACHE_CONTROL = "public, max-age=60, stale-while-revalidate=300"


def _not_modified(request: Request, entry: Entry) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        return entry.etag in {t.strip().removeprefix("W/") for t in tags.split(",")} or (
            tags.strip() == "*"
        )
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return int(parsedate_to_datetime(since).timestamp()) >= entry.modified
        except (TypeError, ValueError):
            return False
    return False


def answer(request: Request, entry: Entry, cache_control: str = CACHE_CONTROL) -> Response:
    """200 with the bytes (gzip when accepted) or 304; always ETag and Last-Modified."""
    headers = {
        "ETag": entry.etag,
        "Last-Modified": entry.last_modified,
        "Cache-Control": cache_control,
        "Vary": "Accept-Encoding",
    }
    if _not_modified(request, entry):
        return Response(status_code=304, headers=headers)
    if len(entry.body) > 512 and accepts_gzip(request.headers.get("accept-encoding")):
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gz, media_type=entry.media_type, headers=headers)
    return Response(entry.body, media_type=entry.media_type, headers=headers)


async def rate_limited(request: Request) -> None:
    """Dependency: 429 with Retry-After when the client address is over its per-minute limit
    (async: a dictionary update needs no worker thread)."""
    limiter = request.app.state.ctx.public.limiter
    client = request.client.host if request.client else "?"
    wait = limiter.allow(client)
    if wait is not None:
        raise HTTPException(
            429,
            "Quá nhiều yêu cầu, vui lòng thử lại sau / too many requests, please retry later",
            headers={"Retry-After": str(wait)},
        )
