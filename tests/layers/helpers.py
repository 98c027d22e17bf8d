"""Helpers shared by the layers tests: a demo-loaded service and a real uvicorn server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from service.database import make_engine
from service.settings import Settings
from service.web.app import create_app

from .conftest import load_demo_layers


def demo_settings(tmp: Path, template: Path) -> Settings:
    """Settings on a copy of the migrated SQLite ``template`` loaded with the demo layers."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp / "data",
        scheduler_enabled=False,
        auth_enabled=False,
    )
    settings.data_dir.mkdir(parents=True)
    shutil.copyfile(template, settings.data_dir / "quantrac.db")
    engine = make_engine(settings.db_url)
    load_demo_layers(engine, settings.data_dir, tmp)
    engine.dispose()
    return settings


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` with uvicorn on 127.0.0.1; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, scheduler=False), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
