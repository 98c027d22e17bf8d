"""An answer's status line and headers sent in the same write as its body.

uvicorn writes the headers of a response to the socket as soon as the app starts it, and the
body at the next message: two system calls, and (the server's sockets disable Nagle's algorithm,
service/web/http_server.py) two TCP segments for the client to wake up for. Serving uncached
readings answers, those two writes held 8 % of a worker's interpreter-lock samples (py-spy,
issue 20).
Here a small write is held until the next write on the connection, which then carries both, or
until the event loop's next turn when none follows (an empty body, a streamed answer waiting
for its first chunk): nothing is delayed past the step that produced it, at most one small
write is held, and a large write is never held.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HELD_BYTES = 4096
"""Writes up to this size (status line and headers) wait for the next one."""


class OneWriteTransport:
    """A transport that holds one small write until the next write, a close, or the event
    loop's next turn; everything else goes to the wrapped transport."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._transport.write(held + data)
        elif len(data) <= HELD_BYTES:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
        else:
            self._transport.write(data)

    def writelines(self, chunks: Any) -> None:
        self.write(b"".join(chunks))

    def flush(self) -> None:
        """Send the held write, if any (idempotent: the scheduled flush may find none)."""
        held, self._held = self._held, None
        if held is not None and not self._transport.is_closing():
            self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol on a :class:`OneWriteTransport` (``http=`` of its config;
    module level, so worker processes unpickle it)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(OneWriteTransport(transport, self.loop))  # type: ignore[arg-type]
