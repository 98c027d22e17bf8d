"""``quantrac db partitions``: list monthly partitions, detach old months, export them first."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import console, db_app, fail, get_settings

if TYPE_CHECKING:
    from stations.store.partitions import Partition


def _label(part: Partition) -> str:
    return "DEFAULT" if part.month is None else f"{part.month[0]:04d}-{part.month[1]:02d}"


@db_app.command("partitions")
def partitions_cmd(
    show: Annotated[bool, typer.Option("--list", help="List partitions with row counts.")] = False,
    detach_before_month: Annotated[
        str | None,
        typer.Option(
            "--detach-before",
            metavar="YYYY-MM",
            help="Detach (never drop) the monthly partitions before this month.",
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export", file_okay=False, help="Write each detached month to DIR/<name>.csv.gz."
        ),
    ] = None,
) -> None:
    """Phân vùng theo tháng (PostgreSQL) / monthly partitions of readings and hourly means."""
    from service.bootstrap import prepare_database
    from stations.store.partitions import (
        detach_before,
        is_partitioned,
        list_partitions,
        parse_month,
    )

    if export is not None and detach_before_month is None:
        raise fail("--export đi cùng --detach-before / --export goes with --detach-before", 2)
    cutoff = None
    if detach_before_month is not None:
        try:
            cutoff = parse_month(detach_before_month)
        except ValueError as exc:
            raise fail(str(exc), 2) from exc
    engine = prepare_database(get_settings())
    with engine.connect() as conn:
        partitioned = is_partitioned(conn, "readings")
    if not partitioned:
        if cutoff is not None:
            raise fail("chỉ PostgreSQL có phân vùng / only PostgreSQL is partitioned", 2)
        console.print("Không phân vùng (SQLite) / not partitioned (SQLite)")
        return
    if cutoff is not None:
        for done in detach_before(engine, cutoff, export):
            where = f" -> {done.export}" if done.export else ""
            typer.echo(f"detached {done.partition.name}: {done.partition.rows} rows{where}")
    if show or cutoff is None:
        with engine.connect() as conn:
            for part in list_partitions(conn):
                typer.echo(f"{part.table}\t{_label(part)}\t{part.name}\t{part.rows}")
