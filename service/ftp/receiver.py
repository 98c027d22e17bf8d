"""The FTP receiver (``quantrac ftp-receiver``): where the facilities' dataloggers upload files.

A pyftpdlib server with one account per facility or station group, read from a YAML file::

    accounts:
      - user: xm-dongbanh
        password: ${QUANTRAC_FTP_PASSWORD_XMDB}   # from the environment; never logged
        home: xi-mang-dong-banh                    # a folder under the receiver's root

Each account is jailed in ``<root>/<home>`` and may only list, change directory, create
folders, upload and rename (``elmwf``): no download, delete, append or mode change. The
receiver's root is the folder the worker polls with a ``folder`` source, so ``<root>/processed``
(where that source moves finished files) is outside every home and no account can be given it.

Uploads are staged: the bytes go to a hidden ``.<name>.<random>.quantrac-upload`` file beside
the target, renamed to the name the client asked for only when the transfer completed, before
the 226 reply (and removed when it did not). A poll therefore never reads half a file, whether
the datalogger uploads under a ``.tmp`` name and renames it (the usual pattern, which works
unchanged) or stores the final name directly. Bytes are stored as sent, in ASCII mode too (the
wire form of TYPE A is CRLF, which is what Circular 10/2021 files use).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS, FilesystemError
from pyftpdlib.handlers import DTPHandler, FTPHandler
from pyftpdlib.ioloop import IOLoop
from pyftpdlib.servers import FTPServer

from service.sources_config import read_yaml_with_env
from stations.errors import InvalidRequest
from stations.sizes import MAX_FILE_BYTES

log = logging.getLogger(__name__)

# pyftpdlib logs one INFO line per command and, when its logger has no handler, installs its own
# stderr handler: a NullHandler and WARNING keep our log format and level (this module logs
# logins, uploads and renames itself, never a password).
_ftp_log = logging.getLogger("pyftpdlib")
_ftp_log.addHandler(logging.NullHandler())
_ftp_log.setLevel(logging.WARNING)

# e = CWD, l = LIST/NLST/SIZE..., m = MKD, w = STOR, f = RNFR/RNTO. No r (RETR), a (APPE),
# d (DELE/RMD), M (SITE CHMOD) or T (MFMT).
ACCOUNT_PERMS = "elmwf"
STAGING_SUFFIX = ".quantrac-upload"
# The folder source moves finished files to <root>/processed/: never a home.
RESERVED_HOMES = frozenset({"processed"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$")


class FtpAccount(BaseModel):
    """One datalogger account."""

    model_config = ConfigDict(extra="forbid")
    user: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    password: SecretStr
    home: str

    @field_validator("password")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("empty password")
        return value

    @field_validator("home")
    @classmethod
    def _relative_home(cls, value: str) -> str:
        parts = PurePosixPath(value).parts
        if not parts or value.startswith("/") or not all(_SEGMENT.match(p) for p in parts):
            raise ValueError(
                "home must be a relative folder of letters, digits, '_', '-', '.' "
                "(no '..', no leading '/' or '.')"
            )
        if parts[0] in RESERVED_HOMES:
            raise ValueError(f"home may not be under {parts[0]!r} (the processed-files folder)")
        return "/".join(parts)


class AccountsFile(BaseModel):
    """The whole accounts file."""

    model_config = ConfigDict(extra="forbid")
    accounts: list[FtpAccount] = Field(min_length=1)


def load_accounts(path: Path, env: dict[str, str] | None = None) -> list[FtpAccount]:
    """Read and validate the accounts file; ``${VAR}`` comes from ``env`` (the environment).

    Errors name the file, the field or the unset variable, never a password.
    """
    parsed = read_yaml_with_env(path, AccountsFile, "accounts file", env)
    users = [a.user for a in parsed.accounts]
    if len(users) != len(set(users)):
        raise InvalidRequest(f"{path}: user names must be unique: {users}")
    homes = {PurePosixPath(a.home) for a in parsed.accounts}
    for home in homes:
        for other in homes:
            if home != other and home in other.parents:
                # the outer account would see (and could rename) the inner one's files
                raise InvalidRequest(f"{path}: home {other} is inside home {home}")
    return parsed.accounts


def parse_port_range(text: str) -> list[int]:
    """``"30000-30009"`` (or one port) -> the list of passive ports."""
    m = re.fullmatch(r"\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?", text)
    if not m:
        raise InvalidRequest(f"passive ports must look like 30000-30009, not {text!r}")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if not 1024 <= first <= last <= 65535:
        raise InvalidRequest(f"passive ports must be within 1024-65535, low to high: {text!r}")
    return list(range(first, last + 1))


def check_masquerade(address: str | None) -> str | None:
    """The address announced in PASV replies must be an IPv4 literal (None: the local one)."""
    if not address:
        return None
    try:
        return str(ipaddress.IPv4Address(address.strip()))
    except ValueError:
        raise InvalidRequest(
            f"masquerade address must be an IPv4 address (PASV announces digits), not {address!r}"
        ) from None


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


class _Authorizer(DummyAuthorizer):
    """Virtual users; passwords compared in constant time."""

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        stored = self.user_table.get(username, {}).get("pwd")
        if stored is None or not hmac.compare_digest(
            stored.encode("utf-8", "surrogateescape"), password.encode("utf-8", "surrogateescape")
        ):
            raise AuthenticationFailed("Authentication failed.")


class _StagedUpload:
    """The file object of one upload. Bytes go to a hidden staging file beside the target; when
    the data channel closes with the transfer complete, it is renamed to the requested name
    before the 226 reply is sent (so "226" means the file is in place). Otherwise the handler
    removes it."""

    def __init__(self, staged: str, final: str, mode: str, handler: _ReceiverHandler) -> None:
        self.name = staged  # pyftpdlib reports this name to on_(incomplete_)file_received
        self.final = final
        self.published = False
        self.size = 0
        self._handler = handler
        self._file = open(staged, mode)  # closed by pyftpdlib's data channel through close()

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def seek(self, *args: Any) -> int:
        return self._file.seek(*args)

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        if self._file.closed:
            return
        self.size = self._file.tell()
        self._file.close()
        channel = getattr(self._handler, "data_channel", None)
        if channel is None or channel.file_obj is not self or not channel.transfer_finished:
            return  # interrupted, aborted, or never started: the handler discards it
        try:
            os.replace(self.name, self.final)
        except OSError as exc:
            log.error("ftp: cannot publish %r: %s", self._handler.rel(self.final), exc)
            channel._resp = ("451 Cannot store the file; send it again.", _ftp_log.warning)
            return
        self.published = True


class _StagingFS(AbstractedFS):
    """Opens uploads as ``_StagedUpload``; refuses resumed uploads (REST + STOR, APPE)."""

    def open(self, filename: str, mode: str) -> Any:
        if "+" in mode or "a" in mode:
            raise FilesystemError("resuming an upload is not supported; send the whole file")
        if "w" not in mode:
            return super().open(filename, mode)
        directory, name = os.path.split(filename)
        staged = os.path.join(directory, f".{name}.{secrets.token_hex(4)}{STAGING_SUFFIX}")
        upload = _StagedUpload(staged, filename, mode, self.cmd_channel)
        self.cmd_channel.staged[staged] = upload
        return upload


class _VerbatimDTPHandler(DTPHandler):
    """Stores uploads byte for byte, also in ASCII mode (TYPE A)."""

    def enable_receiving(self, type: str, cmd: str) -> None:
        # TYPE A puts CRLF on the wire; pyftpdlib would rewrite it to LF on POSIX. Circular
        # 10/2021 files are CRLF, and the archive keeps what the station sent: no conversion.
        super().enable_receiving("i", cmd)

    max_bytes = MAX_FILE_BYTES

    def handle_read(self) -> None:
        super().handle_read()
        if self.receive and self.tot_bytes_received > self.max_bytes and not self._closed:
            # Abort instead of storing: the partial file is discarded like any interrupted one.
            self._resp = (
                f"552 File larger than {self.max_bytes} bytes; transfer aborted.",
                _ftp_log.warning,
            )
            self.close()

    handle_read_event = handle_read  # pyftpdlib binds the event to its own handle_read


class _ReceiverHandler(FTPHandler):
    """Logs logins and uploads (never a password) and discards incomplete uploads."""

    abstracted_fs = _StagingFS
    dtp_handler = _VerbatimDTPHandler
    banner = "quantrac FTP receiver ready."
    receiver_root = "/"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.staged: dict[str, _StagedUpload] = {}
        super().__init__(*args, **kwargs)

    def rel(self, path: str) -> str:
        """``path`` relative to the receiver's root (``<home>/...``), for the log."""
        return os.path.relpath(path, self.receiver_root)

    def on_login(self, username: str) -> None:
        log.info("ftp: %s logged in from %s", username, self.remote_ip)

    def on_login_failed(self, username: str, password: str) -> None:
        # The password argument is deliberately never used.
        log.warning("ftp: failed login for user %r from %s", username[:64], self.remote_ip)

    def on_file_received(self, file: str) -> None:
        upload = self.staged.pop(file, None)
        if upload is None or not upload.published:
            _unlink(file)
            return
        # (the worker may already have taken the file: report the size written)
        log.info(
            "ftp %s: received %r (%d bytes)", self.username, self.rel(upload.final), upload.size
        )

    def on_incomplete_file_received(self, file: str) -> None:
        upload = self.staged.pop(file, None)
        _unlink(file)
        log.warning(
            "ftp %s: upload of %r interrupted; partial data discarded",
            self.username,
            self.rel(upload.final if upload else file),
        )

    def ftp_RNTO(self, path: str) -> Any:
        done = super().ftp_RNTO(path)
        if done:
            src, dst = done
            log.info("ftp %s: renamed %r -> %r", self.username, self.rel(src), self.rel(dst))
        return done

    def ftp_STOU(self, line: str) -> None:
        # STOU writes straight under a generated name: no staging, and the name would not follow
        # the Circular 10/2021 pattern anyway.
        self.respond("502 STOU not supported; use STOR.")

    def close(self) -> None:
        try:
            super().close()  # closes a data channel under way: on_incomplete_file_received
        finally:
            for staged in list(self.staged):  # STOR accepted, data connection never opened
                _unlink(staged)
            self.staged.clear()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("ftp: cannot remove staging file %r: %s", path, exc)


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
        authorizer = _Authorizer()
        for account in cfg.accounts:
            home = (root / account.home).resolve()
            if root not in home.parents:  # e.g. a symlink pointing elsewhere
                raise InvalidRequest(f"home of {account.user} is outside {root}: {home}")
            home.mkdir(parents=True, exist_ok=True)
            for stale in home.rglob(f".*{STAGING_SUFFIX}"):  # left by a killed receiver
                _unlink(str(stale))
            authorizer.add_user(
                account.user, account.password.get_secret_value(), str(home), perm=ACCOUNT_PERMS
            )
        handler = type(
            "QuantracFtpHandler",
            (_ReceiverHandler,),
            {
                "authorizer": authorizer,
                "receiver_root": str(root),
                "passive_ports": cfg.passive_ports,
                "masquerade_address": cfg.masquerade_address,
                "auth_failed_timeout": cfg.auth_failed_delay,
                "dtp_handler": type(
                    "QuantracDtpHandler",
                    (_VerbatimDTPHandler,),
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
