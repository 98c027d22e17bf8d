"""``quantrac compliance recompute --from --to [--station]``: after a limit or permit change."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from service.cli.common import app, console, fail, get_settings, time_option
from stations.timeutil import now_epoch

compliance_app = typer.Typer(help="Tuân thủ quy chuẩn / compliance engine.")
app.add_typer(compliance_app, name="compliance")


def _epoch(text: str, name: str) -> int:
    return time_option(text, name)


@compliance_app.command("recompute")
def recompute_cmd(
    from_: Annotated[
        str, typer.Option("--from", help="Start, ISO 8601 (local time if no offset).")
    ],
    to: Annotated[str | None, typer.Option("--to", help="End, ISO 8601; default now.")] = None,
    station: Annotated[
        list[str] | None, typer.Option("--station", help="Only this station (repeatable).")
    ] = None,
) -> None:
    """Tính lại vượt chuẩn và AQI / recompute episodes and AQI (idempotent)."""
    from rich.progress import Progress

    from service.bootstrap import prepare_database
    from service.worker.jobs.compliance import engine_options
    from stations.compliance.engine import recompute
    from stations.limits import load_limits
    from stations.store.sites import list_sites

    start = _epoch(from_, "from")
    end = _epoch(to, "to") if to else now_epoch()
    if start >= end:
        raise fail("--from phải trước --to / --from must be before --to", code=2)
    settings = get_settings()
    engine = prepare_database(settings)
    load_limits()  # a bad limits file stops here with every bad row named
    with engine.connect() as conn:
        known = {s.id for s in list_sites(conn, site_type="station")}
    unknown = sorted(set(station or []) - known)
    if unknown:
        raise fail(f"không có trạm / unknown station(s): {', '.join(unknown)}", code=2)
    n_stations = len(station) if station else len(known)
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("compliance", total=n_stations * (end - start))

        def advance(station_id: str, seconds: int) -> None:
            progress.update(task, advance=seconds, description=station_id)

        stats = recompute(
            engine,
            start,
            end,
            now_epoch(),
            station_ids=station or None,
            options=engine_options(settings),
            progress=advance,
        )
    ep = stats.episodes
    span = timedelta(seconds=end - start)
    console.print(
        f"[green]compliance:[/] {stats.stations} trạm / stations, {span}; episodes "
        f"{ep.inserted} mới / new, {ep.updated} cập nhật / updated, {ep.voided} huỷ / voided; "
        f"{ep.events} events; AQI {stats.aqi_hours} h, {stats.aqi_days} d"
    )
