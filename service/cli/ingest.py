"""``quantrac ingest`` (backfill from files, folders, zip archives) and ``quantrac simulate``."""

from __future__ import annotations

import gc
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import app, console, fail, get_settings
from service.demo import DEMO_STATIONS
from stations.ingest.batching import BATCH_FILES, MAX_BATCH_BYTES
from stations.parsers import AUTO, FORMATS
from stations.timeutil import now_epoch

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from service.demo.simulator.model import Window

BACKFILL_CACHE_KIB = 256 * 1024
BACKFILL_CHECKPOINT_PAGES = 16_384


def _tune_for_backfill(engine: Engine) -> None:
    """SQLite only: a larger page cache (the readings index outgrows the 2 MB default) and
    fewer, larger WAL checkpoints for this process's connections. Durability is unchanged."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return
    engine.dispose()  # later connections get the settings

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA cache_size=-{BACKFILL_CACHE_KIB}")
        dbapi_conn.execute(f"PRAGMA wal_autocheckpoint={BACKFILL_CHECKPOINT_PAGES}")


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Files, folders, zip archives.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON summary on stdout.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = AUTO,
    lenient: Annotated[
        bool, typer.Option(help="With --strict: switch every documented variant on.")
    ] = False,
    strict: Annotated[
        bool, typer.Option(help="Canonical form only (default: accept deviations, note them).")
    ] = False,
    batch: Annotated[int, typer.Option(min=1, help="Files per transaction.")] = BATCH_FILES,
    evaluate: Annotated[
        bool, typer.Option(help="Run compliance, AQI and alerts over the stored spans after.")
    ] = True,
    notify: Annotated[
        bool, typer.Option(help="Notify even for exceedances older than the alerts' max age.")
    ] = False,
) -> None:
    """Nạp dữ liệu từ tệp / ingest data files once (backfill); duplicates are skipped."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from service.bootstrap import prepare_database
    from service.forwarding import build_forwarding
    from service.worker.backfill import evaluate_spans
    from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
    from stations.ingest.readers import expand_paths, read_paths
    from stations.ingest.summary import IngestSummary
    from stations.parsers import ParserOptions
    from stations.store.readings import station_units

    if fmt not in FORMATS:
        raise fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}", code=2)
    settings = get_settings()
    engine = prepare_database(settings)
    _tune_for_backfill(engine)
    with engine.connect() as conn:
        sites = station_units(conn)
    options = IngestOptions(
        fmt=fmt,
        parser=(ParserOptions.lenient() if lenient else ParserOptions(strict=True))
        if strict
        else ParserOptions(),
        quarantine_dir=settings.data_dir / "quarantine",
        on_record=build_forwarding(settings, engine).on_record(),  # from each destination's start
    )
    archive_dir = settings.data_dir / "archive"
    files = expand_paths(paths)
    gc.freeze()  # the collector need not rescan everything imported so far, batch after batch
    summary = IngestSummary()
    pending: list[IncomingFile] = []
    with Progress(
        TextColumn("[bold]ingest"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[n]}"),
        console=console,
        disable=not console.is_terminal,
    ) as progress:
        task = progress.add_task("ingest", total=len(files), n="")

        def flush() -> None:
            summary.add(
                ingest_batch(
                    engine,
                    pending,
                    sites=sites,
                    now=now_epoch(),
                    archive_dir=archive_dir,
                    options=options,
                )
            )
            pending.clear()
            progress.update(task, n=f"{summary.readings} readings")

        held = 0  # bytes pending: a batch of big (quarantined) files must not fill memory
        for incoming in read_paths(progress.track(files, task_id=task), archive_dir):
            pending.append(incoming)
            held += len(incoming.data)
            if len(pending) >= batch or held >= MAX_BATCH_BYTES:
                flush()
                held = 0
        if pending:
            flush()
    if evaluate and summary.spans:
        summary.evaluation = evaluate_spans(
            settings, engine, summary.spans, notify=notify, console=console
        )
    engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        console.print(
            f"[green]{summary.files} tệp / files[/], {summary.readings} readings stored, "
            f"{summary.duplicates} duplicates, {len(summary.quarantined)} quarantined, "
            f"{summary.line_error_count} line errors, {summary.noted} with format notes"
        )
        if summary.evaluation:
            console.print(f"  evaluated: {summary.evaluation}")
        for q in summary.quarantined[:20]:
            console.print(f"  [yellow]quarantined[/] {q['file']}: {q['reason']}")


def _split(spec: str, n: int, option: str) -> list[str]:
    parts = spec.split(":")
    if len(parts) != n:
        raise fail(f"{option} {spec!r}: expected {n} parts separated by ':'", code=2)
    return parts


def _windows(specs: list[str], option: str, now: int, with_param: bool) -> tuple[Window, ...]:
    from service.demo.simulator.model import Window

    out = []
    for spec in specs:
        parts = _split(spec, 3 if with_param else 2, option)
        try:
            minutes = float(parts[-1])
        except ValueError:
            raise fail(f"{option} {spec!r}: minutes must be a number", code=2) from None
        param = parts[1] if with_param else None
        out.append(Window(parts[0], now, now + int(minutes * 60), param))
    return tuple(out)


@app.command()
def simulate(
    root: Annotated[Path, typer.Option(help="FTP root folder.")] = Path("var/simulator-ftp"),
    port: Annotated[int, typer.Option(help="FTP port on 127.0.0.1 (0 = any free port).")] = 2121,
    period: Annotated[float, typer.Option(help="Seconds between files per station.")] = 60.0,
    stations: Annotated[Path, typer.Option(help="Station registry (YAML/CSV).")] = DEMO_STATIONS,
    exceed: Annotated[list[str], typer.Option(help="STATION:PARAM:MINUTES exceedance.")] = [],  # noqa: B006
    calibrate: Annotated[list[str], typer.Option(help="STATION:MINUTES calibration.")] = [],  # noqa: B006
    outage: Annotated[list[str], typer.Option(help="STATION:MINUTES without files.")] = [],  # noqa: B006
    malformed_rate: Annotated[float, typer.Option(min=0, max=1, help="Share of bad files.")] = 0.0,
    clock_skew: Annotated[list[str], typer.Option(help="STATION:SECONDS clock error.")] = [],  # noqa: B006
    once: Annotated[bool, typer.Option(help="Send one round of files and exit.")] = False,
    storm: Annotated[
        bool, typer.Option(help="Rain gauges report the SYNTHETIC demo typhoon (4 days).")
    ] = False,
) -> None:
    """Trình mô phỏng trạm / station simulator: an FTP server fed by simulated dataloggers.

    The FTP password is QUANTRAC_SIM_FTP_PASSWORD (default "demo"); user "datalogger".
    """
    from service.demo.simulator.ftp_server import LocalFtpServer
    from service.demo.simulator.model import Scenario, StationModel
    from service.demo.simulator.runner import FtpUploader, LiveSimulator
    from service.demo.simulator.storm import demo_storm
    from stations.registry import load_stations

    now = now_epoch()
    skew = {}
    for spec in clock_skew:
        station, seconds = _split(spec, 2, "--clock-skew")
        skew[station] = int(seconds)
    scenario = Scenario(
        exceedances=_windows(exceed, "--exceed", now, True),
        calibrations=_windows(calibrate, "--calibrate", now, False),
        outages=_windows(outage, "--outage", now, False),
        malformed_rate=malformed_rate,
        clock_skew=skew,
        storm=demo_storm(now) if storm else None,
    )
    models = [
        StationModel(s.id, s.kind, s.parameters, s.lon, s.lat) for s in load_stations(stations)
    ]
    password = os.environ.get("QUANTRAC_SIM_FTP_PASSWORD", "demo")
    with LocalFtpServer(root.resolve(), password=password, port=port) as server:
        console.print(f"[green]FTP[/] ftp://datalogger@127.0.0.1:{server.port}/ -> {root}")
        sim = LiveSimulator(
            models,
            scenario,
            FtpUploader("127.0.0.1", server.port, "datalogger", password),
            period_s=period,
        )
        if once:
            console.print(f"sent {sim.tick()} files")
            return
        sim.start()
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            sim.stop()
