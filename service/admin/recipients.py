"""Audited edits of the recipients section of the alerts file (``settings.alerts_file``).

The section is ``contacts``, ``lists``, ``routes``, ``duty_officer`` and ``communes``; rules,
timing and delivery are kept as they are. A new file is validated with the alert models exactly
as at start-up, the old one is kept as ``<file>.<UTC time>.bak``, the file is replaced
atomically, the change is audited (before/after) and the running alert runtime reloads it.

Webhook URLs often carry a secret in their path or query, so they are shown masked
(``https://host/***``); a masked URL sent back unchanged keeps the stored one.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import Connection

from service.admin.errors import AlertsFileNotConfigured, RecipientsRejected
from service.admin.files import backup_copy, replace_with_audit
from service.alerting.config import (
    AlertConfigError,
    alert_config_from_data,
    load_alert_config,
    read_alerts_yaml,
)
from service.context import AppContext
from service.redact import MASK, mask_webhook
from service.settings import Settings
from stations.alerts.config import AlertConfig, Contact, Route, commune_map
from stations.errors import InvalidRequest
from stations.store.audit import record_audit

SECTIONS = ("contacts", "lists", "routes", "duty_officer", "communes")

_write_lock = threading.Lock()


class Recipients(BaseModel):
    """The recipients section of the alerts file (docs/alerts.md)."""

    model_config = ConfigDict(extra="forbid")

    contacts: list[Contact] = []
    lists: dict[str, list[str]] = {}
    routes: list[Route] = []
    duty_officer: str | None = None
    communes: dict[str, list[str]] = {}  # commune code → contacts or lists (rain warnings)

    _communes = field_validator("communes", mode="before")(commune_map)


def alerts_file(settings: Settings) -> Path:
    """The configured alerts file; AlertsFileNotConfigured otherwise."""
    if settings.alerts_file is None:
        raise AlertsFileNotConfigured()
    return Path(settings.alerts_file)


def _contact(contact: Contact) -> dict[str, Any]:
    data = contact.model_dump(mode="json", exclude_defaults=True)
    if contact.webhook is not None:
        data["webhook"] = mask_webhook(contact.webhook)
    return data


def recipients_of(config: AlertConfig) -> dict[str, Any]:
    """The recipients section as shown to administrators (webhook URLs masked)."""
    return {
        "contacts": [_contact(c) for c in config.contacts],
        "lists": {k: list(v) for k, v in config.lists.items()},
        "routes": [r.model_dump(mode="json", exclude_defaults=True) for r in config.routes],
        "duty_officer": config.duty_officer,
        "communes": {k: list(v) for k, v in config.communes.items()},
    }


def read_recipients(settings: Settings) -> dict[str, Any]:
    """The configured recipients (masked); the whole file must be valid."""
    path = alerts_file(settings)
    config = load_alert_config(path, offline_after_intervals=settings.offline_after_intervals)
    return {"file": str(path), **recipients_of(config)}


def parse_recipients_yaml(text: str) -> Recipients:
    """The recipients section typed as YAML on the page (RecipientsRejected when invalid)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise RecipientsRejected(f"YAML không hợp lệ / invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise RecipientsRejected("Cần một bảng YAML / expected a YAML mapping")
    try:
        return Recipients.model_validate(data)
    except ValueError as exc:
        raise RecipientsRejected(str(exc)) from exc


def recipients_yaml(recipients: dict[str, Any]) -> str:
    """The section as YAML text for the edit form."""
    data = {k: recipients[k] for k in SECTIONS if recipients.get(k) not in (None, [], {})}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def _unmask(contacts: list[Contact], current: AlertConfig) -> list[dict[str, Any]]:
    known = {c.id: c for c in current.contacts}
    out = []
    for contact in contacts:
        data = contact.model_dump(mode="json", exclude_defaults=True)
        if contact.webhook is not None and MASK in contact.webhook:
            old = known.get(contact.id)
            if old is None or old.webhook is None or mask_webhook(old.webhook) != contact.webhook:
                raise RecipientsRejected(
                    f"Liên hệ '{contact.id}': hãy nhập đầy đủ địa chỉ webhook / contact "
                    f"'{contact.id}': enter the full webhook URL (the masked one is not known)"
                )
            data["webhook"] = old.webhook
        out.append(data)
    return out


def replace_recipients(
    ctx: AppContext, new: Recipients, *, actor: str, reason: str, now: int
) -> dict[str, Any]:
    """Validate, back up, write, audit and reload; returns the new section (masked) and the
    backup file's name."""
    if len(reason.strip()) < 3:
        raise InvalidRequest("Cần ghi lý do / a reason is required")
    settings = ctx.settings
    path = alerts_file(settings)
    offline = settings.offline_after_intervals
    with _write_lock:
        data = read_alerts_yaml(path)
        current = alert_config_from_data(data, source=path, offline_after_intervals=offline)
        section = new.model_dump(mode="json", exclude_defaults=True)
        section["contacts"] = _unmask(new.contacts, current)
        for key in SECTIONS:
            if section.get(key) is None:
                data.pop(key, None)
            else:
                data[key] = section[key]
        try:
            config = alert_config_from_data(data, source=path, offline_after_intervals=offline)
        except AlertConfigError as exc:
            raise RecipientsRejected(str(exc)) from exc
        text = _file_text(data)
        before, after = recipients_of(current), recipients_of(config)
        changed = [k for k in SECTIONS if before[k] != after[k]]
        if not changed:  # nothing to write: no backup, no audit row, no reload
            return {"file": str(path), **after, "backup": None, "changed": False}
        backup = backup_copy(path, now)

        def audit(conn: Connection) -> None:
            record_audit(
                conn,
                actor,
                "alerts.recipients",
                f"file:{path.name}",
                {k: before[k] for k in changed},
                {**{k: after[k] for k in changed}, "backup": backup.name},
                reason,
                at=now,
            )

        replace_with_audit(ctx.engine, path, text.encode("utf-8"), audit)
    ctx.alerts.reload_config()
    return {"file": str(path), **after, "backup": backup.name, "changed": True}


def _file_text(data: dict[str, Any]) -> str:
    header = (
        "# Alerts file (docs/alerts.md). The recipients section was last written by the\n"
        "# administration page/API; earlier versions are kept beside it as *.bak.\n"
    )
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return header + body
