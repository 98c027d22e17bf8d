"""The forwarding lag alert delivered through the alert channels to the duty officer.

The alert engine's alerts belong to a station (its tables key them to ``sites``); a forwarding
destination is not one, so the lag alert is not an engine rule. When a destination's lag
crosses its threshold (and when it comes back under), the duty officer of the alerts file
(``duty_officer``: a contact or a list) is told on each contact's channels, e-mail or webhook,
with the same channel objects and secrets as the alert outbox. One attempt per channel and
event, under a stable idempotency key; a failure is logged and the alert stays visible in
``/api/admin/forwarding``, ``/metrics`` and the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from service.alerting.channels import DeliveryError
from service.alerting.runtime import AlertRuntime
from stations.alerts.config import AlertConfig, Contact
from stations.forward.status import DestinationStatus
from stations.timeutil import epoch_to_local_iso

log = logging.getLogger(__name__)

LagNotifier = Callable[[str, DestinationStatus, int], None]
"""``notify(event, status, threshold_s)`` with event ``opened`` or ``resolved``."""


def duty_contacts(config: AlertConfig) -> list[Contact]:
    """The duty officer's contacts (a contact id, or a list of them), none when unset."""
    target = config.duty_officer
    if target is None:
        return []
    ids = config.lists.get(target, [target])
    known = {c.id: c for c in config.contacts}
    return [known[i] for i in ids if i in known]


def lag_payload(event: str, st: DestinationStatus, threshold_s: int) -> dict[str, Any]:
    """What the duty officer receives (Vietnamese first, like the alert messages)."""
    minutes, limit = st.backlog_lag_s // 60, threshold_s // 60
    since = (
        epoch_to_local_iso(st.oldest_pending_received_at) if st.oldest_pending_received_at else ""
    )
    if event == "opened":
        subject = (
            f"[quantrac] Chậm chuyển dữ liệu về {st.destination} / forwarding lag {minutes} min"
        )
        body = (
            f"Chuyển tiếp tới {st.destination} chậm {minutes} phút (ngưỡng {limit} phút); "
            f"{st.pending} tệp đang chờ từ {since}.\n"
            f"Forwarding to {st.destination} lags {minutes} min (threshold {limit} min); "
            f"{st.pending} files waiting since {since}.\n"
        )
    else:
        subject = f"[quantrac] Đã hết chậm chuyển về {st.destination} / forwarding lag cleared"
        body = (
            f"Chuyển tiếp tới {st.destination} đã bình thường (chờ {st.pending} tệp).\n"
            f"Forwarding to {st.destination} is back under {limit} min "
            f"({st.pending} files waiting).\n"
        )
    return {
        "type": "forward_lag",
        "event": event,
        "destination": st.destination,
        "lag_seconds": st.backlog_lag_s,
        "threshold_seconds": threshold_s,
        "pending": st.pending,
        "subject": subject,
        "body": body,
    }


def notifier(runtime: AlertRuntime, clock: Callable[[], int]) -> LagNotifier:
    """A lag notifier sending through ``runtime``'s channels to its current duty officer."""

    def notify(event: str, st: DestinationStatus, threshold_s: int) -> None:
        payload = lag_payload(event, st, threshold_s)
        key = f"qt-forward-lag-{st.destination}-{event}-{clock()}"
        for contact in duty_contacts(runtime.config):
            for name in contact.channels:
                channel, address = runtime.channels.get(name), getattr(contact, name)
                if channel is None or address is None:
                    continue
                try:
                    channel.send(address, payload, f"{key}-{contact.id}-{name}")
                except DeliveryError as exc:
                    log.warning("forward lag %s: %s to %s failed: %s", event, name, contact.id, exc)

    return notify
