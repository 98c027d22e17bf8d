"""``quantrac report facility ID --from --to [--format xlsx|html]`` and
``quantrac report monthly YYYY-MM`` (every facility, one file each)."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import console, fail, get_settings, report_app
from stations.timeutil import VN_OFFSET, epoch_to_local_iso, now_epoch, parse_iso_time

if TYPE_CHECKING:
    from sqlalchemy import Engine

Format = Annotated[str, typer.Option("--format", help="xlsx or html.")]
OutDir = Annotated[Path, typer.Option("-o", "--output", help="Output folder.")]


def _epoch(text: str, name: str) -> int:
    try:
        return parse_iso_time(text, VN_OFFSET)
    except ValueError as exc:
        raise fail(f"--{name}: not an ISO 8601 date/time: {text!r}", code=2) from exc


def _write(engine: Engine, key: str, start: int, end: int, fmt: str, out_dir: Path) -> Path:
    from service.reports.facility import render_facility_report, report_filename
    from stations.compliance.facility_report import facility_report

    with engine.connect() as conn:
        report = facility_report(conn, key, start, end)
    body = render_facility_report(report, fmt, epoch_to_local_iso(now_epoch()))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(report, fmt)
    path.write_bytes(body)
    return path


def _check(fmt: str) -> None:
    if fmt not in ("html", "xlsx"):
        raise fail(f"--format must be html or xlsx: {fmt!r}", code=2)


@report_app.command("facility")
def report_facility_cmd(
    facility: Annotated[str, typer.Argument(help="Facility key, name, or one of its stations.")],
    from_: Annotated[str, typer.Option("--from", help="Start, ISO 8601 (local if no offset).")],
    to: Annotated[str | None, typer.Option("--to", help="End, ISO 8601; default now.")] = None,
    fmt: Format = "xlsx",
    out_dir: OutDir = Path("."),
) -> None:
    """Báo cáo tuân thủ của cơ sở / a facility's compliance report (Decree 45/2022 evidence)."""
    from service.bootstrap import prepare_database
    from stations.compliance.facility_report import UnknownFacility

    _check(fmt)
    start = _epoch(from_, "from")
    end = _epoch(to, "to") if to else now_epoch()
    if start >= end:
        raise fail("--from phải trước --to / --from must be before --to", code=2)
    try:
        path = _write(prepare_database(get_settings()), facility, start, end, fmt, out_dir)
    except UnknownFacility as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]report:[/] {path}")
    sys.stdout.write(f"{path}\n")


@report_app.command("monthly")
def report_monthly_cmd(
    month: Annotated[str, typer.Argument(help="Month, YYYY-MM (local calendar).")],
    fmt: Format = "xlsx",
    out_dir: OutDir = Path("."),
) -> None:
    """Báo cáo tháng cho mọi cơ sở / the month's report for every facility, one file each."""
    from service.bootstrap import prepare_database
    from stations.compliance.facility_report import facilities

    _check(fmt)
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError as exc:
        raise fail(f"month must be YYYY-MM: {month!r}", code=2) from exc
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = _epoch(first.isoformat(), "month")
    end = _epoch(after.isoformat(), "month")
    engine = prepare_database(get_settings())
    with engine.connect() as conn:
        keys = sorted(facilities(conn))
    for key in keys:
        path = _write(engine, key, start, end, fmt, out_dir)
        console.print(f"[green]report:[/] {path}")
        sys.stdout.write(f"{path}\n")
