"""One masking rule for every place a delivery address is shown (outbox, errors, recipients).

Webhook URLs often carry a secret in their path, query or user part, and e-mail addresses are
personal data: both are shown masked (``https://host/***``, ``a***@example.org``). Text that may
repeat an address (a channel's error message) is redacted with the same rule.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "***"
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]*[^\s'\"<>:.,;)]")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def mask_webhook(url: str) -> str:
    """``https://host/***`` for a URL with a path, query or user part (they may hold a
    secret); a bare ``scheme://host`` is shown as it is."""
    try:
        parts = urlsplit(url)
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if not parts.scheme or not parts.hostname:
        return MASK
    secret = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    return f"{parts.scheme}://{parts.hostname}{port}/{MASK}" if secret else url


def mask_email(address: str) -> str:
    """``a***@example.org``: the first letter and the domain (enough to tell lists apart)."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return MASK
    return f"{local[0]}{MASK}@{domain}"


def mask_address(address: str | None) -> str | None:
    """The one masking rule for a delivery address of any channel."""
    if address is None:
        return None
    if "://" in address:
        return mask_webhook(address)
    if "@" in address:
        return mask_email(address)
    return MASK


def redact_text(text: str | None, *addresses: str | None) -> str | None:
    """``text`` with the given addresses, any URL and any e-mail address masked."""
    if text is None:
        return None
    for address in addresses:
        if address:
            text = text.replace(address, mask_address(address) or MASK)
    text = _URL.sub(lambda m: m.group(0) if MASK in m.group(0) else mask_webhook(m.group(0)), text)
    return _EMAIL.sub(lambda m: mask_email(m.group(0)), text)
