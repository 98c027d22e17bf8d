"""Running the HTTP app under uvicorn: one process, or N worker processes on one socket."""

from __future__ import annotations

import socket

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.settings import Settings


def server_options(settings: Settings) -> dict[str, object]:
    """uvicorn options shared by one process and N workers. ``X-Forwarded-For``/``-Proto`` are
    believed only from the trusted proxies (``forwarded_allow_ips``): the login limiter and the
    audit trail then see the real client address, and nobody else can forge it."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "info",
        "access_log": settings.access_log,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }


def run_app(app: object, settings: Settings) -> None:
    """Serve ``app`` in this process until interrupted."""
    uvicorn.run(app, **server_options(settings))  # type: ignore[arg-type]


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
        workers=workers,
        # uvicorn kills a worker that misses a 5 s ping; a worker busy importing or building
        # a snapshot on a loaded 2-core server is not dead (seen: killed in a loop at load 11).
        timeout_worker_healthcheck=30,
        **server_options(settings),  # type: ignore[arg-type]
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
