"""The ``quantrac`` command line (typer)."""

from __future__ import annotations

import importlib

from service.cli.common import app, import_app

# Area modules add their commands to ``app`` / ``import_app`` when imported.
COMMAND_MODULES = (
    "service.cli.core",
    "service.cli.ingest",
    "service.cli.compliance",
    "service.cli.layers",
    "service.cli.maps",
    "service.cli.programme",
    "service.cli.accounts",
)


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def main() -> None:
    """Entry point of the ``quantrac`` script."""
    _load_commands()
    app()


__all__ = ["app", "import_app", "main"]
