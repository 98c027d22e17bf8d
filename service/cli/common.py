"""The typer apps and the global ``--db`` option shared by every command module.

Command modules import what their commands need inside the command functions, so that
``quantrac --help`` loads typer and nothing heavy (bench/README.md has the figure).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from service.settings import Settings

app = typer.Typer(
    name="quantrac",
    help="quantrac — quan trắc môi trường tự động / environmental monitoring service.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
import_app = typer.Typer(help="Nhập dữ liệu / import stations, points, zones, results.")
db_app = typer.Typer(help="Cơ sở dữ liệu / database maintenance.")
report_app = typer.Typer(help="Báo cáo / reports.")
app.add_typer(import_app, name="import")
app.add_typer(db_app, name="db")
app.add_typer(report_app, name="report")

console = Console(stderr=True)
_db_override: dict[str, str | None] = {"url": None}
_verbose = {"on": False}


@app.callback()
def _global(
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database URL (default: QUANTRAC_DATABASE_URL or SQLite file)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more.")] = False,
) -> None:
    from service.admin.limits import overrides_file
    from service.auth.observability import configure_logging
    from service.settings import Settings
    from stations.limits import configure_overrides
    from stations.programme.wqi_formula import configure_wqi_formula

    _db_override["url"] = db
    _verbose["on"] = verbose
    settings = Settings()
    # Commands that evaluate limits (compliance recompute...) see the administrator's overrides.
    configure_overrides(overrides_file(settings.data_dir))
    configure_wqi_formula(settings.wqi_formula)
    configure_logging(logging.DEBUG if verbose else logging.INFO, settings.log_format)


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with ``--db`` and any explicit overrides applied."""
    from service.settings import Settings

    settings = Settings(**overrides)  # type: ignore[arg-type]
    if _db_override["url"]:
        settings = settings.model_copy(update={"database_url": _db_override["url"]})
    return settings


def verbose() -> bool:
    """True when the command line asked for ``-v``."""
    return _verbose["on"]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error for a person (no traceback) and return the Exit to raise."""
    console.print(f"[bold red]Lỗi / error:[/] {message}")
    return typer.Exit(code)


def time_option(text: str, name: str) -> int:
    """An ISO 8601 option (local UTC+7 time without an offset) as UTC epoch seconds, or exit 2."""
    from stations.timeutil import VN_OFFSET, parse_iso_time

    try:
        return parse_iso_time(text, VN_OFFSET)
    except ValueError as exc:
        raise fail(f"--{name}: not an ISO 8601 date/time: {text!r}", code=2) from exc
