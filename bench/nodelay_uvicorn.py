"""Serve an ASGI app with uvicorn workers and TCP_NODELAY on the shared socket.

For fairness in bench_layers.py (``--peer-nodelay``): uvicorn's multi-worker socket is bound
with protocol 0, so asyncio leaves Nagle's algorithm on and every small response waits ~40 ms
for the client's delayed ACK (see service/web/http_server.py, which fixes it for quantrac). Run
with the peers' interpreter: ``python nodelay_uvicorn.py APP HOST PORT WORKERS``.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from uvicorn.supervisors import Multiprocess


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration with TCP_NODELAY on the listening socket (inherited on accept)."""

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


if __name__ == "__main__":
    app, host, port, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    config = NoDelayConfig(
        app, host=host, port=port, workers=workers, log_level="warning", access_log=False
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
