"""Channels: SMTP e-mail and signed JSON webhooks. Each ``send`` raises on failure.

Webhook signature (see docs/alerts.md): header ``X-Quantrac-Signature: t=<unix>,v1=<hex>``
where ``hex = HMAC-SHA256(secret, f"{t}.{body}")``; receivers reject stale ``t`` and compare in
constant time. The JSON body is byte-identical on every retry; ``Idempotency-Key`` repeats the
body's ``idempotency_key``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol

import httpx

SIGNATURE_HEADER = "X-Quantrac-Signature"


class DeliveryError(Exception):
    """A channel refused or could not take a message (the outbox retries it)."""


class Channel(Protocol):
    """Sends one outbox payload to one address; raises :class:`DeliveryError` on failure."""

    def send(self, address: str, payload: dict[str, Any], key: str) -> None: ...


@dataclass(frozen=True, slots=True)
class SmtpChannel:
    """Plain SMTP (optionally STARTTLS and login); ``Message-ID`` carries the idempotency key."""

    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    def send(self, address: str, payload: dict[str, Any], key: str) -> None:
        """Send one e-mail."""
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = address
        msg["Subject"] = payload["subject"]
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{key}@quantrac>"
        msg["X-Quantrac-Idempotency-Key"] = key
        msg.set_content(payload["body"], charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {self.host}:{self.port}: {exc}") from exc


def body_bytes(payload: dict[str, Any]) -> bytes:
    """The canonical webhook body (sorted keys, UTF-8, no extra spaces)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(secret: bytes, header: str, body: bytes, now: int, tolerance_s: int = 300) -> bool:
    """Receiver-side check of :func:`sign` (also used by our tests and documented)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), header)


@dataclass(frozen=True, slots=True)
class WebhookChannel:
    """POST the JSON body; any 2xx is success, anything else is retried."""

    secret: bytes | None
    clock: Any  # () -> int, UTC epoch seconds
    timeout: float = 10.0

    def send(self, address: str, payload: dict[str, Any], key: str) -> None:
        """POST one notification."""
        body = body_bytes(payload)
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if self.secret is not None:
            headers[SIGNATURE_HEADER] = sign(self.secret, int(self.clock()), body)
        try:
            response = httpx.post(address, content=body, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {address}: {exc}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook {address}: HTTP {response.status_code}")
