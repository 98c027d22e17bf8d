"""One request-size limit in front of every upload (and every other request body).

Runs outside every other middleware, so even the form body the CSRF check reads is bounded. A
declared ``Content-Length`` over the limit is refused before any byte is read; a chunked body is
counted as it arrives and refused (413) as soon as it goes over. Answers carry the security
headers like any other.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.headers import security_headers
from stations.programme.upload_limits import MAX_RESULTS_BYTES

# The largest file we take (a results workbook) plus room for the multipart envelope.
MAX_BODY_BYTES = MAX_RESULTS_BYTES + 64 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body goes over the limit (an HTTPException, so a route
    parsing its body answers 413 rather than "error parsing the body")."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))


def _message(limit: int) -> str:
    mb = limit // 2**20
    return f"Yêu cầu quá lớn (tối đa {mb} MB) / request body too large (at most {mb} MB)"


def _too_large(path: str, limit: int, https: bool) -> JSONResponse:
    headers = {k.decode(): v.decode() for k, v in security_headers(path, https=https)}
    return JSONResponse(
        {"detail": _message(limit)},
        status_code=413,
        headers={**headers, "Connection": "close"},
    )


class BodyLimitMiddleware:
    """413 for a request body over ``limit`` bytes."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES, https: bool = False) -> None:
        self.app = app
        self.limit = limit
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        has_body = False
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.limit:
                    await _too_large(path, self.limit, self.https)(scope, receive, send)
                    return
                has_body = True
            elif name == b"transfer-encoding":
                has_body = True
        if not has_body:  # HTTP/1.1: no length and no chunking means no body (most GETs)
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(path, self.limit, self.https)(scope, receive, send)
