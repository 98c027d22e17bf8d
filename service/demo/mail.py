"""Demo step: a local SMTP server that files alert e-mails into a Maildir under the data dir.

The demo has no real mail server; without one the alert e-mails would end up as dead letters.
Here they land in ``<data_dir>/demo-mail`` (open it with any Maildir reader, or ``ls new/``),
so the duty officer's view of an alert can be shown end to end. Skipped when SMTP is configured.
"""

from __future__ import annotations

import socket
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from rich.console import Console
from sqlalchemy import Engine

from service.settings import Settings

_running: list[Any] = []  # keeps the SMTP thread referenced while the demo serves


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Start the Maildir SMTP sink unless an SMTP host is configured; returns updated settings."""
    if settings.smtp_host:
        return settings
    maildir = settings.data_dir / "demo-mail"
    port = _free_port()
    controller = Controller(Mailbox(maildir), hostname="127.0.0.1", port=port)
    controller.start()
    _running.append(controller)
    console.print(f"demo e-mail: SMTP 127.0.0.1:{port} → {maildir}/new")
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
