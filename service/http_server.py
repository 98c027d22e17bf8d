"""Running the HTTP app under uvicorn: one process, or N worker processes on one socket."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.settings import Settings


def run_app(app: object, settings: Settings) -> None:
    """Serve ``app`` in this process until interrupted."""
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
        timeout_keep_alive=settings.keep_alive_seconds,
    )


class NoDelayConfig(uvicorn.Config):
    """uvicorn's configuration, with TCP_NODELAY on the socket it shares among workers.

    uvicorn binds that socket with protocol 0, so asyncio does not recognise it as TCP and never
    disables Nagle's algorithm on its connections: every small response then waited for the
    client's delayed ACK (about 40 ms each). Accepted connections inherit the option on Linux.
    (Module level: worker processes are spawned and unpickle the configuration.)
    """

    def bind_socket(self) -> socket.socket:
        sock = super().bind_socket()
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


def run_workers(settings: Settings, workers: int) -> None:
    """What ``uvicorn.run(..., workers=N)`` does, with :class:`NoDelayConfig`; each worker
    builds the app from the environment (:func:`service.app.app_from_environment`)."""
    config = NoDelayConfig(
        "service.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=settings.access_log,
        timeout_keep_alive=settings.keep_alive_seconds,
        workers=workers,
        # uvicorn kills a worker that misses a 5 s ping; a worker busy importing or building a
        # snapshot on a loaded 2-core server is not dead (seen: workers killed in a loop at load 11).
        timeout_worker_healthcheck=30,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
