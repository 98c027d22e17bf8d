"""The outbox sender: deliver due messages, retry with exponential backoff, dead-letter.

One claim-send-record cycle per message, each in its own short transaction, so a crash loses
nothing: an unrecorded success is sent again under the same idempotency key (at-least-once).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine

from service.alerting.channels import Channel, DeliveryError
from service.redact import redact_text
from stations.alerts.config import Delivery
from stations.store import alert_outbox

log = logging.getLogger(__name__)


def backoff_seconds(attempts: int, policy: Delivery) -> int:
    """Wait before attempt ``attempts + 1``: base·2^(attempts-1), capped, at least 1 s."""
    wait = policy.retry_base_seconds * 2 ** max(attempts - 1, 0)
    return max(1, math.ceil(min(wait, policy.retry_max_seconds)))


@dataclass
class SendResult:
    """Counts of one sender run."""

    sent: int = 0
    failed: int = 0
    dead: int = 0


def send_due(
    engine: Engine,
    channels: Mapping[str, Channel],
    policy: Delivery,
    clock: Callable[[], int],
) -> SendResult:
    """Deliver every due message (in id order) once; returns what happened."""
    result = SendResult()
    with engine.begin() as conn:
        batch = alert_outbox.due(conn, clock(), policy.batch_size)
    down: set[str] = set()
    for msg in batch:
        if msg.channel in down:
            continue  # one SMTP server: after a failure, leave the rest for the next run
        channel = channels.get(msg.channel)
        error: str | None = None
        if channel is None:
            error = f"channel '{msg.channel}' is not configured"
        else:
            try:
                channel.send(msg.address, msg.payload, msg.idempotency_key)
            except DeliveryError as exc:
                error = redact_text(str(exc), msg.address) or ""
                if channel.one_server:
                    down.add(msg.channel)
        now = clock()
        with engine.begin() as conn:
            if error is None:
                alert_outbox.mark_sent(conn, msg.id, now)
                result.sent += 1
                continue
            attempts = msg.attempts + 1
            retry_at = (
                None if attempts >= policy.max_attempts else now + backoff_seconds(attempts, policy)
            )
            alert_outbox.mark_failed(conn, msg.id, error=error, retry_at=retry_at, now=now)
        if retry_at is None:
            result.dead += 1
            log.error("alert message %s dead after %d attempts: %s", msg.id, attempts, error)
        else:
            result.failed += 1
            log.warning("alert message %s failed (attempt %d): %s", msg.id, attempts, error)
    return result
