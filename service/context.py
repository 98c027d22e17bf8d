"""What the running service holds: settings, the database engine, and per-area objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from service.settings import Settings


@dataclass
class AppContext:
    """Built once by ``create_app`` and shared by routes, jobs and the CLI.

    ``extras`` holds per-area singletons (the alert event broker, tile cache...) keyed by name,
    so an area can add one without touching this class.
    """

    settings: Settings
    engine: Engine
    extras: dict[str, Any] = field(default_factory=dict)
