"""``quantrac import results FILE`` and ``quantrac report round YEAR N``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import console, fail, get_settings, import_app, report_app
from stations.errors import ImportRejected
from stations.timeutil import epoch_to_local_iso, now_epoch


@import_app.command("results")
def import_results_cmd(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    synthetic: Annotated[
        bool, typer.Option("--synthetic", help="Label the results synthetic (demo data).")
    ] = False,
) -> None:
    """Nhập kết quả phân tích (CSV/XLSX) / import laboratory results; all or nothing."""
    from service.bootstrap import prepare_database
    from stations.programme.upload_limits import MAX_RESULTS_BYTES
    from stations.sizes import read_capped
    from stations.store.programme_import import import_results_file

    engine = prepare_database(get_settings())
    try:
        with engine.begin() as conn:
            summary = import_results_file(
                conn,
                read_capped(file, MAX_RESULTS_BYTES),
                file.name,
                now_epoch(),
                synthetic=synthetic,
            )
    except ImportRejected as exc:
        if as_json:
            errors = [{"row": e.row, "column": e.column, "message": e.message} for e in exc.errors]
            sys.stdout.write(json.dumps({"file": file.name, "errors": errors}, ensure_ascii=False))
            sys.stdout.write("\n")
        raise fail(str(exc), code=2) from exc
    if as_json:
        sys.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False) + "\n")
        return
    console.print(
        f"[green]results:[/] {summary.rows} dòng / rows, {summary.inserted} mới / new, "
        f"{summary.updated} cập nhật / updated, {summary.unchanged} không đổi / unchanged "
        f"({', '.join(summary.rounds)}; {summary.points} điểm / points)"
    )


@report_app.command("round")
def report_round_cmd(
    year: Annotated[int, typer.Argument(help="Year of the round.")],
    number: Annotated[int, typer.Argument(help="Round number within the year.")],
    out_dir: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("."),
    fmt: Annotated[str, typer.Option("--format", help="html or xlsx.")] = "html",
) -> None:
    """Báo cáo đợt quan trắc / write the round report (HTML with charts, or XLSX)."""
    from service.bootstrap import prepare_database
    from service.reports.programme.rendering import render_report, report_filename
    from stations.programme.rounds import UnknownRound
    from stations.store.programme import find_round, round_report

    if fmt not in ("html", "xlsx"):
        raise fail(f"--format must be html or xlsx: {fmt!r}")
    engine = prepare_database(get_settings())
    try:
        with engine.connect() as conn:
            round_ = find_round(conn, year, number)
            report, evaluations = round_report(conn, round_["id"])
    except UnknownRound as exc:
        raise fail(str(exc)) from exc
    body = render_report(report, evaluations, fmt, epoch_to_local_iso(now_epoch()))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / report_filename(report, fmt)
    path.write_bytes(body)
    console.print(f"[green]report:[/] {path}")
    sys.stdout.write(f"{path}\n")
