"""A real FTP server (pyftpdlib) on loopback, run in a background thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

# pyftpdlib logs one INFO line per FTP command and, when the logger has no handler, installs its
# own stderr handler: give it a NullHandler and WARNING so our log format and level rule.
_ftp_log = logging.getLogger("pyftpdlib")
_ftp_log.addHandler(logging.NullHandler())
_ftp_log.setLevel(logging.WARNING)


@dataclass
class LocalFtpServer:
    """``with LocalFtpServer(root, user, password) as srv:`` serves ``root`` on ``srv.port``.

    Binds 127.0.0.1 on a free port unless ``port`` is given.
    """

    root: Path
    user: str = "datalogger"
    password: str = field(default="", repr=False)
    host: str = "127.0.0.1"
    port: int = 0
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> LocalFtpServer:
        """Start serving; returns self with ``port`` set."""
        self.root.mkdir(parents=True, exist_ok=True)
        authorizer = DummyAuthorizer()
        authorizer.add_user(self.user, self.password, str(self.root), perm="elradfmwMT")
        handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "banner": "quantrac"})
        server = FTPServer((self.host, self.port), handler)
        self.port = server.socket.getsockname()[1]

        def loop() -> None:
            try:
                while not self._stop.is_set():
                    server.ioloop.loop(timeout=0.2, blocking=False)  # serve_forever logs each call
            finally:
                server.close_all()

        self._thread = threading.Thread(target=loop, name="quantrac-ftp", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalFtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
