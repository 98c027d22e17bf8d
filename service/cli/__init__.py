"""The ``quantrac`` command line (typer)."""

from __future__ import annotations

import sys

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


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``quantrac`` script: a failing command prints one message for a
    person (service.cli.mistakes), or its traceback with ``-v``."""
    _load_commands()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        app(args=args, prog_name="quantrac")
    except Exception as exc:
        if "-v" in args or "--verbose" in args:
            raise
        from service.cli.common import console
        from service.cli.mistakes import explain

        message, code = explain(exc)
        console.print(f"[bold red]Lỗi / error:[/] {message}", highlight=False, markup=True)
        raise SystemExit(code) from None


__all__ = ["app", "import_app", "main"]
