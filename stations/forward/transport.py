"""The small interface a forwarding destination implements, and its FTP/FTPS implementation.

Errors are sorted into two kinds so the sender is the same for every transport:
:class:`TransientError` (connection lost, timeout, 4xx: try again later, never dead-lettered)
and :class:`PermanentError` (5xx on this file: counts toward the dead letter).
"""

from __future__ import annotations

import ftplib
import io
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol


class TransientError(Exception):
    """The destination is down or failed for a while; nothing wrong with the file."""


class PermanentError(Exception):
    """The destination refused this file (or the file cannot be read here)."""


class Transport(Protocol):
    """An open session with a destination."""

    def size(self, path: str) -> int | None:
        """Size of a remote file, or None when it is not there."""
        ...

    def put(self, path: str, data: bytes) -> None:
        """Write ``data`` as ``path`` (creating folders; replacing a file of that name)."""
        ...

    def rename(self, src: str, dst: str) -> None:
        """Rename ``src`` to ``dst``, replacing ``dst``."""
        ...

    def listdir(self, folder: str) -> dict[str, int | None]:
        """``{name: size}`` of the files in ``folder`` (empty when it does not exist)."""
        ...


@dataclass
class FtpEndpoint:
    """Where and how to connect (plain FTP, or explicit FTPS with ``tls``)."""

    host: str
    port: int = 21
    user: str = "anonymous"
    password: str = field(default="", repr=False)
    tls: bool = False
    passive: bool = True
    timeout_s: float = 30.0
    ca_file: str | None = None  # FTPS: trust this CA (a private one) instead of the system CAs


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except ftplib.error_perm as exc:
        raise PermanentError(str(exc)[:300]) from exc
    except (ftplib.Error, OSError, EOFError) as exc:
        raise TransientError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc


class FtpTransport:
    """One FTP(S) session; folders it created are remembered for the session."""

    def __init__(self, ftp: ftplib.FTP) -> None:
        self.ftp = ftp
        self._made: set[str] = set()

    def size(self, path: str) -> int | None:
        with _translated():
            try:
                return self.ftp.size(path)
            except ftplib.error_perm:  # 550: no such file
                return None

    def _mkdirs(self, folder: str) -> None:
        if not folder or folder in self._made:
            return
        path = "/" if folder.startswith("/") else ""
        for part in folder.strip("/").split("/"):
            path = f"{path}{part}/"
            if path in self._made:
                continue
            try:
                self.ftp.mkd(path.rstrip("/"))
            except ftplib.error_perm:  # already there (or refused: STOR will say)
                pass
            self._made.add(path)
        self._made.add(folder)

    def put(self, path: str, data: bytes) -> None:
        with _translated():
            self._mkdirs(path.rpartition("/")[0])
            self.ftp.storbinary(f"STOR {path}", io.BytesIO(data))

    def rename(self, src: str, dst: str) -> None:
        with _translated():
            try:
                self.ftp.rename(src, dst)
            except ftplib.error_perm:
                # Servers that refuse to rename over an existing file: remove it, then rename.
                if self.size(dst) is None:
                    raise
                self.ftp.delete(dst)
                self.ftp.rename(src, dst)

    def listdir(self, folder: str) -> dict[str, int | None]:
        with _translated():
            try:
                return {
                    name: int(facts["size"]) if "size" in facts else None
                    for name, facts in self.ftp.mlsd(folder, facts=["type", "size"])
                    if facts.get("type", "file") == "file"
                }
            except ftplib.error_perm as exc:
                if str(exc).startswith("550"):  # no such folder: nothing there
                    return {}
                # No MLSD: names only (the size check is then skipped).
                try:
                    return {n.rsplit("/", 1)[-1]: None for n in self.ftp.nlst(folder)}
                except ftplib.error_perm:
                    return {}


@contextmanager
def ftp_session(endpoint: FtpEndpoint) -> Iterator[FtpTransport]:
    """Connect and log in (FTPS: TLS on control and data); a failure is a TransientError."""
    with _translated():
        if endpoint.tls:
            context = ssl.create_default_context(cafile=endpoint.ca_file)
            ftp: ftplib.FTP = ftplib.FTP_TLS(context=context)
        else:
            ftp = ftplib.FTP()
        ftp.connect(endpoint.host, endpoint.port, timeout=endpoint.timeout_s)
        try:
            ftp.login(endpoint.user, endpoint.password)
        except (
            ftplib.error_perm
        ) as exc:  # a wrong password is the destination's state, not a file's
            ftp.close()
            raise TransientError(f"login refused: {str(exc)[:200]}") from exc
        if isinstance(ftp, ftplib.FTP_TLS):
            ftp.prot_p()
        ftp.set_pasv(endpoint.passive)
        ftp.voidcmd("TYPE I")  # SIZE is exact only in binary mode
    try:
        yield FtpTransport(ftp)
    finally:
        try:
            ftp.quit()
        except (ftplib.Error, OSError, EOFError):
            ftp.close()
