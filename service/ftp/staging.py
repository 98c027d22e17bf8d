"""The pyftpdlib handlers of the FTP receiver: staged uploads, verbatim bytes, no password logged.

Uploads are staged: the bytes go to a hidden ``.<name>.<random>.quantrac-upload`` file beside
the target, renamed to the name the client asked for only when the transfer completed, before
the 226 reply (and removed when it did not). A poll therefore never reads half a file, whether
the datalogger uploads under a ``.tmp`` name and renames it (the usual pattern, which works
unchanged) or stores the final name directly. Bytes are stored as sent, in ASCII mode too (the
wire form of TYPE A is CRLF, which is what Circular 10/2021 files use).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from typing import Any

from pyftpdlib.authorizers import AuthenticationFailed, DummyAuthorizer
from pyftpdlib.filesystems import AbstractedFS, FilesystemError
from pyftpdlib.handlers import DTPHandler, FTPHandler

from stations.sizes import MAX_FILE_BYTES

log = logging.getLogger("service.ftp.receiver")  # one logger name for the whole receiver

# pyftpdlib logs one INFO line per command and, when its logger has no handler, installs its own
# stderr handler: a NullHandler and WARNING keep our log format and level (this module logs
# logins, uploads and renames itself, never a password).
_ftp_log = logging.getLogger("pyftpdlib")
_ftp_log.addHandler(logging.NullHandler())
_ftp_log.setLevel(logging.WARNING)

STAGING_SUFFIX = ".quantrac-upload"


class ConstantTimeAuthorizer(DummyAuthorizer):
    """Virtual users; passwords compared in constant time."""

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        stored = self.user_table.get(username, {}).get("pwd")
        if stored is None or not hmac.compare_digest(
            stored.encode("utf-8", "surrogateescape"), password.encode("utf-8", "surrogateescape")
        ):
            raise AuthenticationFailed("Authentication failed.")


class StagedUpload:
    """The file object of one upload. Bytes go to a hidden staging file beside the target; when
    the data channel closes with the transfer complete, it is renamed to the requested name
    before the 226 reply is sent (so "226" means the file is in place). Otherwise the handler
    removes it."""

    def __init__(self, staged: str, final: str, mode: str, handler: ReceiverHandler) -> None:
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


class StagingFS(AbstractedFS):
    """Opens uploads as ``StagedUpload``; refuses resumed uploads (REST + STOR, APPE)."""

    def open(self, filename: str, mode: str) -> Any:
        if "+" in mode or "a" in mode:
            raise FilesystemError("resuming an upload is not supported; send the whole file")
        if "w" not in mode:
            return super().open(filename, mode)
        directory, name = os.path.split(filename)
        staged = os.path.join(directory, f".{name}.{secrets.token_hex(4)}{STAGING_SUFFIX}")
        upload = StagedUpload(staged, filename, mode, self.cmd_channel)
        self.cmd_channel.staged[staged] = upload
        return upload


class VerbatimDTPHandler(DTPHandler):
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


class ReceiverHandler(FTPHandler):
    """Logs logins and uploads (never a password) and discards incomplete uploads."""

    abstracted_fs = StagingFS
    dtp_handler = VerbatimDTPHandler
    banner = "quantrac FTP receiver ready."
    receiver_root = "/"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.staged: dict[str, StagedUpload] = {}
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
            unlink_quietly(file)
            return
        # (the worker may already have taken the file: report the size written)
        log.info(
            "ftp %s: received %r (%d bytes)", self.username, self.rel(upload.final), upload.size
        )

    def on_incomplete_file_received(self, file: str) -> None:
        upload = self.staged.pop(file, None)
        unlink_quietly(file)
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
                unlink_quietly(staged)
            self.staged.clear()


def unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("ftp: cannot remove staging file %r: %s", path, exc)
