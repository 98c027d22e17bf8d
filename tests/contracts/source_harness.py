"""Real servers behind each registered source type, for the source contract suite.

A harness starts the server a source type talks to (pyftpdlib FTP, a local folder, a
``http.server`` endpoint), places files, and can take the server down, make it stall, and say
which files are still waiting. ``SECRET`` is the credential each configuration carries.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from service.source_types import SOURCE_TYPES, SourceCommon
from service.sources_config import SourcesFile
from tests.fixtures.faults.ftp import Faults, FaultyFtpServer

SECRET = "s3cret-never-logged-9f2"
STALL_S = 3.0  # longer than the client timeout the suite configures


def config(data: dict[str, Any]) -> SourceCommon:
    """A source configuration validated exactly as the sources file is."""
    return SourcesFile.model_validate({"sources": [data]}).sources[0]


class Harness(Protocol):
    """One source type's server, as the contract suite drives it."""

    consumes: bool  # a finished file leaves the source (FTP, folder) or stays (HTTP endpoint)
    can_fail: bool  # the server can be down (connection refused) and stall

    def config(self, timeout_s: float) -> SourceCommon: ...
    def put(self, name: str, data: bytes) -> None: ...
    def waiting(self) -> set[str]: ...
    def down(self) -> None: ...
    def up(self) -> None: ...
    def stall_next(self) -> None: ...
    def close(self) -> None: ...


@dataclass
class FtpHarness:
    root: Path
    consumes: bool = True
    can_fail: bool = True
    server: FaultyFtpServer = field(init=False)

    def __post_init__(self) -> None:
        self.server = FaultyFtpServer(self.root, password=SECRET, faults=Faults()).up()

    def config(self, timeout_s: float) -> SourceCommon:
        return config(
            {
                "id": "ftp-contract",
                "type": "ftp",
                "host": "127.0.0.1",
                "port": self.server.port,
                "user": "datalogger",
                "password": SECRET,
                "after": "move",
                "timeout_seconds": timeout_s,
            }
        )

    def put(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    def waiting(self) -> set[str]:
        return {p.name for p in self.root.glob("*") if p.is_file()}

    def down(self) -> None:
        self.server.down()

    def up(self) -> None:
        self.server.up()

    def stall_next(self) -> None:
        self.server.faults.stall_s = STALL_S
        self.server.faults.stalls = 1

    def close(self) -> None:
        self.server.down()


@dataclass
class FolderHarness:
    root: Path
    consumes: bool = True
    can_fail: bool = False  # a local folder is never "down" and never stalls

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def config(self, timeout_s: float) -> SourceCommon:
        return config(
            {"id": "folder-contract", "type": "folder", "path": str(self.root), "after": "delete"}
        )

    def put(self, name: str, data: bytes) -> None:
        (self.root / name).write_bytes(data)

    def waiting(self) -> set[str]:
        return {p.name for p in self.root.glob("*") if p.is_file()}

    def down(self) -> None:
        raise NotImplementedError

    def up(self) -> None:
        raise NotImplementedError

    def stall_next(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _Endpoint:
    """The station's HTTP endpoint: the latest document, behind a bearer token."""

    def __init__(self) -> None:
        self.document = b""
        self.stall = threading.Event()
        self.requests: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                endpoint.requests.append(self.path)
                if endpoint.stall.is_set():
                    endpoint.stall.clear()
                    time.sleep(STALL_S)  # the server side of a stall, not a test sleep
                if self.headers.get("Authorization") != f"Bearer {SECRET}":
                    self.send_response(401)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(endpoint.document)))
                self.end_headers()
                try:
                    self.wfile.write(endpoint.document)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.handler = Handler
        self.port = 0
        self.server: ThreadingHTTPServer | None = None

    def up(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@dataclass
class HttpHarness:
    root: Path
    consumes: bool = False  # the endpoint answers its current document at every poll
    can_fail: bool = True
    endpoint: _Endpoint = field(default_factory=_Endpoint)

    def __post_init__(self) -> None:
        self.endpoint.up()

    def config(self, timeout_s: float) -> SourceCommon:
        return config(
            {
                "id": "http-contract",
                "type": "http",
                "url": f"http://127.0.0.1:{self.endpoint.port}/latest",
                "format": "json",
                "headers": {"Authorization": f"Bearer {SECRET}"},
                "timeout_seconds": timeout_s,
            }
        )

    def put(self, name: str, data: bytes) -> None:
        self.endpoint.document = data

    def waiting(self) -> set[str]:
        return {"document"} if self.endpoint.document else set()

    def down(self) -> None:
        self.endpoint.down()

    def up(self) -> None:
        self.endpoint.up()

    def stall_next(self) -> None:
        self.endpoint.stall.set()

    def close(self) -> None:
        self.endpoint.down()


HARNESSES: dict[str, type[Harness]] = {
    "ftp": FtpHarness,
    "folder": FolderHarness,
    "http": HttpHarness,
}
assert set(HARNESSES) == set(SOURCE_TYPES), "every registered source type needs a harness"


def json_document(station: str, at_stamp: str, value: float) -> bytes:
    """A one-reading JSON document (the HTTP source's format)."""
    reading = {"parameter": "PM2.5", "value": value, "unit": "µg/Nm³", "time": at_stamp}
    return json.dumps({"station_id": station, "readings": [reading | {"status": "00"}]}).encode()
