"""Notification channels, domain half: a channel's ``name``, how it finds a contact's address
and what payload it queues. The service adds ``send`` (service/alerting/channels.py).

Routing and the outbox look a channel up by name in :data:`CHANNELS`; nothing branches on
"e-mail or else". A new channel is one class here plus one line in :data:`CHANNELS` (and its
transport in the service; docs/extending.md). A contact names its address for a channel in the
field of that name (``email``, ``webhook``) or in ``addresses: {name: address}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, ClassVar, Protocol

from stations.alerts.documents import webhook_body


@dataclass(frozen=True, slots=True)
class Notice:
    """Everything a channel may put in one queued message (built once per notification)."""

    notification: str  # opened, escalated, reminder, unacknowledged, resolved
    event_id: int
    key: str  # the idempotency key of this (alert, event, channel, contact)
    created_at: int
    subject: str
    body: str
    document: dict[str, Any]
    tz: tzinfo


class AddressBook(Protocol):
    """What a channel reads from a contact (``stations.alerts.config.Contact``)."""

    def address_for(self, channel: str) -> str | None:
        """The contact's address on ``channel``, or None."""
        ...


class ChannelKind(Protocol):
    """A channel's name, address resolution and payload."""

    name: ClassVar[str]

    def address(self, contact: AddressBook) -> str | None:
        """Where this channel reaches ``contact`` (None: the contact has no address here)."""
        ...

    def payload(self, notice: Notice) -> dict[str, Any]:
        """The JSON-able payload queued in the outbox (byte-stable across retries)."""
        ...


class EmailKind:
    """E-mail: the Vietnamese subject and body; the key becomes the Message-ID."""

    name: ClassVar[str] = "email"

    def address(self, contact: AddressBook) -> str | None:
        return contact.address_for(self.name)

    def payload(self, notice: Notice) -> dict[str, Any]:
        return {"subject": notice.subject, "body": notice.body, "key": notice.key}


class WebhookKind:
    """Webhook: the alert document as signed JSON (docs/alerts.md)."""

    name: ClassVar[str] = "webhook"

    def address(self, contact: AddressBook) -> str | None:
        return contact.address_for(self.name)

    def payload(self, notice: Notice) -> dict[str, Any]:
        return webhook_body(
            notice.notification,
            notice.event_id,
            notice.key,
            notice.created_at,
            notice.document,
            notice.tz,
        )


# The registry: one line per channel.
CHANNELS: dict[str, ChannelKind] = {
    kind.name: kind
    for kind in (
        EmailKind(),
        WebhookKind(),
    )
}
