"""Who receives a notification, on which channels.

Routes match on station, facility, kind, parameter and severity. ``notify`` lists receive the
opened, escalated, reminder and resolved notifications, plus the duty officer and, for a rain
warning, the contacts of the communes it is about (``communes`` of the alerts file); ``escalate_to``
lists receive the "not acknowledged after N minutes" notification, and the resolution of an
alert they were told about. Each contact gets the channels it prefers, from its own
``min_severity`` up.
"""

from __future__ import annotations

from dataclasses import dataclass

from stations.alerts.bands import Severity
from stations.alerts.channels import CHANNELS
from stations.alerts.config import AlertConfig, Channel, Contact


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: a contact on one channel at one address."""

    contact_id: str
    channel: Channel
    address: str


@dataclass(frozen=True, slots=True)
class AlertScope:
    """What routes match on."""

    station: str
    facility: str | None
    kind: str
    parameter: str | None
    severity: str
    destination: str | None = None  # forwarding destination of a forward_lag alert
    communes: tuple[str, ...] = ()  # codes of the communes a rain warning is about


def recipients(
    cfg: AlertConfig, scope: AlertScope, notification: str, *, escalated: bool = False
) -> list[Delivery]:
    """Deliveries for one notification kind (opened, escalated, reminder, ...) of an alert."""
    primary: list[str] = []
    second: list[str] = []
    for route in cfg.routes:
        if route.match.matches(
            station=scope.station,
            facility=scope.facility,
            kind=scope.kind,
            parameter=scope.parameter,
            severity=scope.severity,
            destination=scope.destination,
        ):
            primary += route.notify
            second += route.escalate_to
    for code in scope.communes:
        primary += cfg.communes.get(code, [])
    if cfg.duty_officer is not None:
        primary.append(cfg.duty_officer)
    if notification == "unacknowledged":
        names = second
    elif notification == "resolved" and escalated:
        names = primary + second
    else:
        names = primary
    rank = Severity(scope.severity).rank
    out: list[Delivery] = []
    for contact in cfg.expand(names):
        if rank < contact.min_severity.rank:
            continue
        out += [Delivery(contact.id, ch, _address(contact, ch)) for ch in contact.channels]
    return out


def _address(contact: Contact, channel: Channel) -> str:
    address = CHANNELS[channel].address(contact)
    assert address is not None  # Contact validation guarantees it
    return address
