"""Channels: SMTP e-mail and signed JSON webhooks. Each ``send`` raises on failure.

Each transport extends the domain half of its channel (name, address, payload:
:mod:`stations.alerts.channels`) with ``send``; :func:`build_channels` builds the configured
ones from settings through :data:`TRANSPORTS`, keyed by channel name.

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
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar, Protocol

import httpx

from service.settings import Settings
from stations.alerts.channels import AddressBook, EmailKind, Notice, WebhookKind
from stations.alerts.config import AlertConfig

SIGNATURE_HEADER = "X-Quantrac-Signature"


class DeliveryError(Exception):
    """A channel refused or could not take a message (the outbox retries it)."""


class Channel(Protocol):
    """A channel: ``name``, address resolution, payload, and ``send``, which delivers one
    outbox payload to one address and raises :class:`DeliveryError` on failure."""

    name: ClassVar[str]
    # After a failure, leave this channel's other messages for the next run (one server).
    one_server: ClassVar[bool]

    def address(self, contact: AddressBook) -> str | None: ...

    def payload(self, notice: Notice) -> dict[str, Any]: ...

    def send(self, address: str, payload: dict[str, Any], key: str) -> None: ...


@dataclass(frozen=True)
class SmtpChannel(EmailKind):
    """Plain SMTP (optionally STARTTLS and login); ``Message-ID`` carries the idempotency key."""

    one_server: ClassVar[bool] = True

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


@dataclass(frozen=True)
class WebhookChannel(WebhookKind):
    """POST the JSON body; any 2xx is success, anything else is retried."""

    one_server: ClassVar[bool] = False

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


def _smtp(settings: Settings, config: AlertConfig, _clock: Callable[[], int]) -> Channel | None:
    if not settings.smtp_host:
        return None  # no mail server configured: e-mail stays queued (docs/alerts.md)
    return SmtpChannel(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        starttls=settings.smtp_starttls,
        timeout=config.delivery.timeout_seconds,
    )


def _webhook(settings: Settings, config: AlertConfig, clock: Callable[[], int]) -> Channel:
    secret = (
        settings.webhook_secret.get_secret_value().encode() if settings.webhook_secret else None
    )
    return WebhookChannel(secret=secret, clock=clock, timeout=config.delivery.timeout_seconds)


# Transport builders by channel name: one line per channel (None: not configured here).
TRANSPORTS: dict[str, Callable[[Settings, AlertConfig, Callable[[], int]], Channel | None]] = {
    SmtpChannel.name: _smtp,
    WebhookChannel.name: _webhook,
}


def build_channels(
    settings: Settings, config: AlertConfig, clock: Callable[[], int]
) -> dict[str, Channel]:
    """Every configured channel by name (SMTP when ``smtp_host`` is set; webhooks always)."""
    built = {name: make(settings, config, clock) for name, make in TRANSPORTS.items()}
    return {name: channel for name, channel in built.items() if channel is not None}
