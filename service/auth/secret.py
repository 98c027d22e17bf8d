"""The key that signs session cookies and derives CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

SECRET_FILE = "secret_key"


def load_secret_key(configured: str | None, data_dir: Path) -> bytes:
    """``configured`` if given, else the key in ``data_dir/secret_key`` (created on first use).

    Several replicas must share one key: set ``QUANTRAC_SECRET_KEY`` for them (docs/security.md).
    """
    if configured:
        if len(configured) < 32:
            log.warning("QUANTRAC_SECRET_KEY is shorter than 32 characters; use a longer one")
        return configured.encode("utf-8")
    path = data_dir / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode("ascii")
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting together must not each write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    log.info("generated a new secret key in %s", path)
    return key.encode("ascii")


def sign(key: bytes, purpose: str, value: str) -> str:
    """An HMAC-SHA256 of ``value`` for one ``purpose`` (hex, 64 characters)."""
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return hmac.compare_digest(a.encode(), b.encode())


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a random token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()
