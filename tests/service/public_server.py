"""A seeded quantrac service on a loopback port (SQLite, scheduler off) for the public-portal
tests that need a real HTTP server: nginx in front of it, and Chromium."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from service.settings import Settings
from tests.fixtures.alerts.builders import wait_for


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """The running service."""

    base: str
    port: int
    settings: Settings
    app: Any


@contextmanager
def serve_public(tmp: Path, **changes: object) -> Iterator[Served]:
    """Seed a fresh SQLite database, run the app under uvicorn, stop it on exit."""
    import uvicorn

    from service.bootstrap import prepare_database
    from service.web.app import create_app
    from tests.service.public_seed import seed

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp / "data",
        scheduler_enabled=False,
        auth_enabled=True,
        **changes,  # type: ignore[arg-type]
    )
    engine = prepare_database(settings)
    seed(engine)
    engine.dispose()
    port = free_port()
    app = create_app(settings, scheduler=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=30)
    try:
        yield Served(f"http://127.0.0.1:{port}", port, settings, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def tile_png(path: str) -> bytes:
    """A real 256×256 PNG tile naming its own path (a text chunk), as an upstream would send."""
    import io

    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("path", path)
    out = io.BytesIO()
    Image.new("RGB", (256, 256), "#dde8d0").save(out, format="PNG", pnginfo=info)
    return out.getvalue()


class Upstream:
    """A tile server on loopback recording what it was asked."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.agents: list[str] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream.paths.append(self.path)
                upstream.agents.append(self.headers.get("User-Agent", ""))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(tile_png(self.path))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
