"""An answer's headers go out in the same write as its body (service/web/one_write.py, issue 20).

The transport is checked on a recording transport and a real event loop (what is written, in
what order, and when); then a real uvicorn server with the protocol answers the kinds of
response the service sends (small, large, empty, HEAD, 304, streamed, several on one kept-alive
connection) and each arrives whole.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from service.settings import Settings
from service.web.http_server import server_options
from service.web.one_write import HELD_BYTES, OneWriteHttpToolsProtocol, OneWriteTransport
from tests.layers.helpers import free_port


class Recording:
    """A transport that records its calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.calls.append(("write", bytes(data)))

    def close(self) -> None:
        self.calls.append(("close", b""))
        self.closing = True

    def abort(self) -> None:
        self.calls.append(("abort", b""))
        self.closing = True

    def write_eof(self) -> None:
        self.calls.append(("eof", b""))

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 1)}.get(name, default)


def _run(steps: Any) -> list[tuple[str, bytes]]:
    """``steps(transport)`` on a fresh loop, then the loop's next turns; the calls made."""
    rec = Recording()

    async def main() -> None:
        t = OneWriteTransport(rec, asyncio.get_running_loop())  # type: ignore[arg-type]
        steps(t)
        rec.calls.append(("step ends", b""))
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    asyncio.run(main())
    return rec.calls


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"


@pytest.mark.parametrize(
    ("name", "steps", "expected"),
    [
        (
            "headers then body: one write",
            lambda t: (t.write(HEAD), t.write(b"hello")),
            [("write", HEAD + b"hello"), ("step ends", b"")],
        ),
        (
            "headers alone (empty body): written at the loop's next turn",
            lambda t: t.write(HEAD),
            [("step ends", b""), ("write", HEAD)],
        ),
        (
            "a large write is never held",
            lambda t: t.write(b"x" * (HELD_BYTES + 1)),
            [("write", b"x" * (HELD_BYTES + 1)), ("step ends", b"")],
        ),
        (
            "at most one write held: the third goes alone, in order",
            lambda t: (t.write(b"a"), t.write(b"b"), t.write(b"c")),
            [("write", b"ab"), ("step ends", b""), ("write", b"c")],
        ),
        (
            "close sends the held write first",
            lambda t: (t.write(HEAD), t.close()),
            [("write", HEAD), ("close", b""), ("step ends", b"")],
        ),
        (
            "write_eof sends the held write first",
            lambda t: (t.write(HEAD), t.write_eof()),
            [("write", HEAD), ("eof", b""), ("step ends", b"")],
        ),
        (
            "abort drops it",
            lambda t: (t.write(HEAD), t.abort()),
            [("abort", b""), ("step ends", b"")],
        ),
        (
            "writelines is one write",
            lambda t: t.writelines([HEAD, b"hel", b"lo"]),
            [("step ends", b""), ("write", HEAD + b"hello")],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_writes(name: str, steps: Any, expected: list[tuple[str, bytes]]) -> None:
    assert _run(steps) == expected


def test_buffer_size_counts_the_held_write_and_other_calls_pass_through() -> None:
    seen: dict[str, Any] = {}

    def steps(t: OneWriteTransport) -> None:
        t.write(HEAD)
        seen["size"] = t.get_write_buffer_size()
        seen["peer"] = t.get_extra_info("peername")

    _run(steps)
    assert seen == {"size": len(HEAD), "peer": ("127.0.0.1", 1)}


async def _small(request: Request) -> Response:
    return Response(b'{"ok":true}', media_type="application/json")


async def _large(request: Request) -> Response:
    return Response(bytes(range(256)) * 4096, media_type="application/octet-stream")


async def _empty(request: Request) -> Response:
    return Response(status_code=204)


async def _not_modified(request: Request) -> Response:
    return Response(status_code=304, headers={"ETag": '"x"'})


async def _streamed(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for k in range(5):
            await asyncio.sleep(0.01)
            yield f"chunk {k};".encode()

    return StreamingResponse(chunks(), media_type="text/plain")


APP = Starlette(
    routes=[
        Route("/small", _small, methods=["GET", "HEAD"]),
        Route("/large", _large),
        Route("/empty", _empty),
        Route("/not-modified", _not_modified),
        Route("/streamed", _streamed),
    ]
)


WRITES: list[int] = []
"""Sizes of the writes that reached the real transports of the server below."""


class _Counting:
    """A real transport whose writes are counted."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        WRITES.append(len(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _CountingProtocol(OneWriteHttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_Counting(transport))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    """A real uvicorn server with the service's options, its protocol's writes counted."""
    port = free_port()
    settings = Settings(_env_file=None, port=port, access_log=False)  # type: ignore[call-arg]
    options = {**server_options(settings), "host": "127.0.0.1", "log_level": "warning"}
    assert options["http"] is OneWriteHttpToolsProtocol
    options["http"] = _CountingProtocol
    server = uvicorn.Server(uvicorn.Config(APP, **options))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_every_kind_of_answer_arrives_whole(base: str) -> None:
    with httpx.Client(base_url=base) as client:  # one kept-alive connection throughout
        for _ in range(3):
            assert client.get("/small").content == b'{"ok":true}'
            assert client.get("/large").content == bytes(range(256)) * 4096
            head = client.head("/small")
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-length"] == "11"
            assert client.get("/empty").status_code == 204
            r = client.get("/not-modified")
            assert r.status_code == 304 and r.headers["etag"] == '"x"'
            assert client.get("/streamed").text == "".join(f"chunk {k};" for k in range(5))


@pytest.mark.parametrize(("path", "writes"), [("/small", 1), ("/large", 1), ("/empty", 1)])
def test_an_answer_is_one_write(base: str, path: str, writes: int) -> None:
    """Status line, headers and body in one write (uvicorn alone makes two: headers, body)."""
    with httpx.Client(base_url=base) as client:
        client.get("/small")  # connected
        WRITES.clear()
        answer = client.get(path)
    assert len(WRITES) == writes and WRITES[0] == len(answer.content) + _head_bytes(answer)


def _head_bytes(answer: httpx.Response) -> int:
    lines = [f"HTTP/1.1 {answer.status_code} {answer.reason_phrase}".encode()]
    lines += [k + b": " + v for k, v in answer.headers.raw]
    return len(b"\r\n".join(lines)) + 4
