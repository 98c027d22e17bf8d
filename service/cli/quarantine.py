"""``quantrac quarantine list|show|replay``: act on quarantined files (docs/ingestion.md)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated

import typer

from service.cli.common import app, console, fail, get_settings, time_option
from stations.timeutil import epoch_to_local_iso

quarantine_app = typer.Typer(help="Tệp bị cách ly / quarantined files: list, show, replay.")
app.add_typer(quarantine_app, name="quarantine")

Reason = Annotated[str | None, typer.Option(help="Reason contains this text.")]
Station = Annotated[str | None, typer.Option(help="Only this station.")]
Since = Annotated[str | None, typer.Option(help="Received since, ISO 8601 (local if no offset).")]


def _since(text: str | None) -> int | None:
    return None if text is None else time_option(text, "since")


@quarantine_app.command("list")
def list_cmd(
    reason: Reason = None,
    station: Station = None,
    since: Since = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")] = False,
) -> None:
    """Liệt kê tệp bị cách ly / list quarantined files, newest first."""
    from service.bootstrap import prepare_database
    from service.quarantine import as_dict
    from stations.store.quarantine import list_quarantined

    engine = prepare_database(get_settings())
    with engine.connect() as conn:
        rows, total = list_quarantined(
            conn, reason=reason, station=station, since=_since(since), limit=limit
        )
    if as_json:
        typer.echo(
            json.dumps({"total": total, "files": [as_dict(r) for r in rows]}, ensure_ascii=False)
        )
        return
    console.print(f"{total} tệp bị cách ly / quarantined files (showing {len(rows)})")
    for r in rows:
        console.print(f"  {r.id:>7}  {epoch_to_local_iso(r.received_at)}  {r.name}  — {r.reason}")


@quarantine_app.command("show")
def show_cmd(file_id: Annotated[int, typer.Argument(help="The file's id (from list).")]) -> None:
    """Chi tiết một tệp / one quarantined file: reason, origin, notes, line errors (JSON)."""
    from service.bootstrap import prepare_database
    from service.quarantine import as_dict
    from stations.store.quarantine import get_quarantined

    engine = prepare_database(get_settings())
    with engine.connect() as conn:
        row = get_quarantined(conn, file_id)
    if row is None:
        raise fail(f"không có tệp cách ly / no quarantined file with id {file_id}", code=1)
    typer.echo(json.dumps(as_dict(row), ensure_ascii=False, indent=2))


@quarantine_app.command("replay")
def replay_cmd(
    file_ids: Annotated[list[int] | None, typer.Argument(help="Ids; none = every match.")] = None,
    reason: Reason = None,
    station: Station = None,
    since: Since = None,
    notify: Annotated[
        bool, typer.Option(help="Notify even for exceedances older than the alerts' max age.")
    ] = False,
) -> None:
    """Nạp lại tệp bị cách ly / re-ingest quarantined files from the archive (audited)."""
    from service.bootstrap import prepare_database
    from service.quarantine import replay

    if not file_ids and not (reason or station or since):
        raise fail("give file ids or a filter (--reason, --station, --since)", code=2)
    settings = get_settings()
    engine = prepare_database(settings)
    result = replay(
        settings,
        engine,
        actor=f"cli:{getpass.getuser()}",
        ids=file_ids or None,
        reason=reason,
        station=station,
        since=_since(since),
        notify=notify,
        console=console,
    )
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
