"""Running the HTTP app under uvicorn: one process, or N worker processes on one socket."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Callable

import uvicorn
from uvicorn.supervisors import Multiprocess

from service.settings import Settings
from service.web.one_write import OneWriteHttpToolsProtocol


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
        "http": OneWriteHttpToolsProtocol,  # headers and body in one write (one_write.py)
    }


def freeze_startup_heap() -> None:
    """Move everything the process holds after start-up (imported modules, the app, the
    runtime) out of the garbage collector's reach. Python's cyclic collector otherwise walks
    those hundreds of thousands of long-lived objects again whenever an answer allocates many
    (a page of 10,000 readings is 60,000 objects): measured on the readings route, a 30-day raw
    page took 47 ms of CPU with them and 31 ms frozen (bench/README.md, "Readings API
    uncached"). The objects stay alive and are still freed by reference counting; only cycles
    among them are no longer looked for, and start-up leaves none that matter."""
    gc.collect()
    gc.freeze()


def run_app(
    app: object,
    settings: Settings,
    *,
    quiet: bool = False,
    on_started: Callable[[], None] | None = None,
) -> None:
    """Serve ``app`` in this process until interrupted. ``quiet``: warnings only, no access log
    (the demo); ``on_started`` runs once the socket listens (the demo prints its URL then)."""
    server = uvicorn.Server(
        uvicorn.Config(
            app,  # type: ignore[arg-type]
            **{  # type: ignore[arg-type]
                **server_options(settings),
                "log_level": "warning" if quiet else "info",
                "access_log": settings.access_log and not quiet,
            },
        )
    )
    if on_started is not None:
        threading.Thread(target=_when_started, args=(server, on_started), daemon=True).start()
    freeze_startup_heap()
    server.run()


def _when_started(server: uvicorn.Server, callback: Callable[[], None]) -> None:
    while not server.started and not server.should_exit:
        time.sleep(0.1)
    if server.started:
        callback()


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
    builds the app from the environment (:func:`service.web.app.app_from_environment`)."""
    config = NoDelayConfig(
        "service.web.app:app_from_environment",
        factory=True,
        workers=workers,
        # uvicorn kills a worker that misses a 5 s ping; a worker busy importing or building
        # a snapshot on a loaded 2-core server is not dead (seen: killed in a loop at load 11).
        timeout_worker_healthcheck=30,
        **server_options(settings),  # type: ignore[arg-type]
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
