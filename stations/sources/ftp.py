"""FTP source (ftplib, passive mode): the department's folder that dataloggers upload into.

Folders are walked recursively (dataloggers often use ``<Station>/yyyy/MM/dd/``), skipping the
``processed`` folder; after commit a file is moved to ``processed/<same relative path>`` or
deleted. The password is never logged (``repr=False``) and ftplib's debug output stays off.
"""

from __future__ import annotations

import ftplib
import logging
import posixpath
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from stations.sizes import CHUNK, MAX_FILE_BYTES, join_capped
from stations.sources.base import RemoteFile, waiting

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FtpConfig:
    """Connection and folder settings of one FTP source."""

    host: str
    port: int = 21
    user: str = "anonymous"
    password: str = field(default="", repr=False)
    path: str = "/"
    recursive: bool = True
    after: str = "move"  # move | delete
    processed_dir: str = "processed"
    timeout_s: float = 30.0
    passive: bool = True


class FtpSession:
    """One connected FTP session for a poll."""

    def __init__(self, ftp: ftplib.FTP, cfg: FtpConfig) -> None:
        self.ftp = ftp
        self.cfg = cfg
        self.root = cfg.path.rstrip("/") or "/"

    def _walk(self, rel: str) -> Iterator[RemoteFile]:
        folder = posixpath.join(self.root, rel) if rel else self.root
        try:
            entries = list(self.ftp.mlsd(folder, facts=["type", "size"]))
        except ftplib.error_perm:  # server without MLSD
            entries = [(posixpath.basename(n), {"type": "file"}) for n in self.ftp.nlst(folder)]
        for name, facts in sorted(entries):
            kind = facts.get("type", "file")
            child = posixpath.join(rel, name) if rel else name
            if kind == "dir":
                if self.cfg.recursive and not (not rel and name == self.cfg.processed_dir):
                    yield from self._walk(child)
            elif kind == "file" and waiting(name):
                size = int(facts["size"]) if facts.get("size", "").isdigit() else None
                yield RemoteFile(path=child, name=name, size=size)

    def list(self) -> list[RemoteFile]:
        """Files waiting, sorted by name (the name ends with the measurement time)."""
        return sorted(self._walk(""), key=lambda f: (f.name, f.path))

    def fetch(self, f: RemoteFile) -> bytes:
        """Download one file (binary mode: bytes exactly as sent), at most MAX_FILE_BYTES + 1:
        a bigger file is quarantined as too large without being downloaded whole."""
        self.ftp.voidcmd("TYPE I")
        conn = self.ftp.transfercmd(f"RETR {posixpath.join(self.root, f.path)}")
        with conn:
            data = join_capped(iter(lambda: conn.recv(CHUNK), b""))
        try:
            self.ftp.voidresp()
        except ftplib.error_temp:  # 426/451: we closed the data channel of a too-large file
            if len(data) <= MAX_FILE_BYTES:
                raise
        return data

    def finish(self, f: RemoteFile) -> None:
        """Move to ``processed/`` (creating folders) or delete; called after commit only."""
        src = posixpath.join(self.root, f.path)
        if self.cfg.after == "delete":
            self.ftp.delete(src)
            return
        dst = posixpath.join(self.root, self.cfg.processed_dir, f.path)
        self._makedirs(posixpath.dirname(dst))
        try:
            self.ftp.rename(src, dst)
        except ftplib.error_perm:  # already there (same file sent twice): keep the first copy
            self.ftp.delete(src)

    def _makedirs(self, folder: str) -> None:
        parts = [p for p in folder.split("/") if p]
        current = "/" if folder.startswith("/") else ""
        for part in parts:
            current = posixpath.join(current, part)
            try:
                self.ftp.mkd(current)
            except ftplib.error_perm:
                pass  # exists


@dataclass
class FtpSource:
    """A polled FTP folder."""

    id: str
    cfg: FtpConfig

    @contextmanager
    def session(self) -> Iterator[FtpSession]:
        """Connect, log in, passive mode; always closes."""
        ftp = ftplib.FTP(timeout=self.cfg.timeout_s)
        try:
            ftp.connect(self.cfg.host, self.cfg.port)
            ftp.login(self.cfg.user, self.cfg.password)
            ftp.set_pasv(self.cfg.passive)
            yield FtpSession(ftp, self.cfg)
        finally:
            # A failed connect leaves no socket: quit() would raise AttributeError and hide the
            # real (retryable) connection error.
            if ftp.sock is not None:
                try:
                    ftp.quit()
                except (OSError, EOFError, ftplib.Error):
                    ftp.close()
