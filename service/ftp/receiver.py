"""The FTP receiver (``quantrac ftp-receiver``): where the facilities' dataloggers upload files.

A pyftpdlib server with one account per facility or station group, read from a YAML file
(:mod:`service.ftp.accounts`). Each account is jailed in ``<root>/<home>`` and may only list,
change directory, create folders, upload and rename (``elmwf``): no download, delete, append or
mode change. The receiver's root is the folder the worker polls with a ``folder`` source, so
``<root>/processed`` (where that source moves finished files) is outside every home and no
account can be given it. Uploads are staged and stored byte for byte
(:mod:`service.ftp.staging`): a poll never reads half a file.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyftpdlib.handlers import DTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

from service.ftp.accounts import ACCOUNT_PERMS, FtpAccount
from service.ftp.staging import (
    STAGING_SUFFIX,
    ConstantTimeAuthorizer,
    ReceiverHandler,
    VerbatimDTPHandler,
    unlink_quietly,
)
from stations.errors import InvalidRequest
from stations.sizes import MAX_FILE_BYTES

log = logging.getLogger(__name__)


@dataclass
class ReceiverConfig:
    """What the receiver serves and where it listens."""

    root: Path
    accounts: list[FtpAccount]
    host: str = "127.0.0.1"
    port: int = 2121  # 0: any free port (tests)
    passive_ports: list[int] | None = None  # None: any free port (no NAT in between)
    masquerade_address: str | None = None
    auth_failed_delay: float = 3.0  # seconds before a wrong password is answered
    max_connections: int = 512
    max_upload_bytes: int = MAX_FILE_BYTES  # a datalogger file is ~1 kB; bigger uploads: 552


@dataclass
class FtpReceiver:
    """``bind()`` then ``serve(stop)`` (the CLI), or ``with FtpReceiver(cfg) as rx:`` (a thread).

    Runs its own pyftpdlib IO loop, so it never shares one with another server in the process.
    """

    config: ReceiverConfig
    port: int = 0
    _server: FTPServer | None = field(default=None, repr=False)
    _ioloop: Any = field(default=None, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def bind(self) -> FtpReceiver:
        """Create the homes, drop stale staging files, listen; sets ``port``."""
        cfg = self.config
        root = cfg.root.resolve()
        root.mkdir(parents=True, exist_ok=True)
        authorizer = ConstantTimeAuthorizer()
        for account in cfg.accounts:
            home = (root / account.home).resolve()
            if root not in home.parents:  # e.g. a symlink pointing elsewhere
                raise InvalidRequest(f"home of {account.user} is outside {root}: {home}")
            home.mkdir(parents=True, exist_ok=True)
            for stale in home.rglob(f".*{STAGING_SUFFIX}"):  # left by a killed receiver
                unlink_quietly(str(stale))
            authorizer.add_user(
                account.user, account.password.get_secret_value(), str(home), perm=ACCOUNT_PERMS
            )
        handler = type(
            "QuantracFtpHandler",
            (ReceiverHandler,),
            {
                "authorizer": authorizer,
                "receiver_root": str(root),
                "passive_ports": cfg.passive_ports,
                "masquerade_address": cfg.masquerade_address,
                "auth_failed_timeout": cfg.auth_failed_delay,
                "dtp_handler": type(
                    "QuantracDtpHandler",
                    (VerbatimDTPHandler,),
                    {"max_bytes": cfg.max_upload_bytes},
                ),
            },
        )
        self._ioloop = IOLoop()
        server = FTPServer((cfg.host, cfg.port), handler, ioloop=self._ioloop)
        server.max_cons = cfg.max_connections
        self._server = server
        self.port = server.socket.getsockname()[1]
        log.info(
            "ftp receiver on %s:%d, root %s, %d accounts, passive ports %s, announced address %s",
            cfg.host,
            self.port,
            root,
            len(cfg.accounts),
            f"{cfg.passive_ports[0]}-{cfg.passive_ports[-1]}" if cfg.passive_ports else "any",
            cfg.masquerade_address or "local",
        )
        return self

    def transfers_in_progress(self) -> int:
        """Open data connections (uploads or listings under way)."""
        sockets = list(self._ioloop.socket_map.values()) if self._ioloop else []
        return sum(isinstance(s, DTPHandler) for s in sockets)

    def serve(self, stop: threading.Event, grace_seconds: float = 8.0) -> None:
        """Serve until ``stop`` is set; then stop accepting, let transfers under way finish for
        up to ``grace_seconds`` (an interrupted one is discarded), and close every connection."""
        if self._server is None:
            self.bind()
        assert self._server is not None
        loop = self._ioloop
        try:
            while not stop.is_set():
                loop.loop(timeout=0.2, blocking=False)
            self._server.close()  # the listening socket only
            deadline = time.monotonic() + grace_seconds
            while self.transfers_in_progress() and time.monotonic() < deadline:
                loop.loop(timeout=0.2, blocking=False)
        finally:
            self._server.close_all()
            log.info("ftp receiver stopped")

    def start(self) -> FtpReceiver:
        """Bind and serve in a background thread (tests, embedding)."""
        self.bind()
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.serve, args=(self._stop,), name="quantrac-ftp-receiver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop the background thread (as SIGTERM stops the command); ``wait`` for it to end."""
        self._stop.set()
        if wait and self._thread is not None:
            self._thread.join(timeout=15)

    def __enter__(self) -> FtpReceiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
