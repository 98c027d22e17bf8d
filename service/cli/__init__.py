"""The ``quantrac`` command line (typer)."""

from __future__ import annotations

from service.cli.common import app, import_app


def _load_commands() -> None:
    # Each area's module adds its commands to ``app`` / ``import_app`` when imported.
    from service.cli import (  # noqa: F401
        accounts,
        compliance,
        core,
        facility_report,
        forward,
        ftp_receiver,
        ingest,
        layers,
        maps,
        partitions,
        programme,
        quarantine,
        warnings,
    )


def main() -> None:
    """Entry point of the ``quantrac`` script."""
    _load_commands()
    app()


__all__ = ["app", "import_app", "main"]
