"""Core commands: ``db upgrade``, ``import stations|points``, ``serve``, ``worker``, ``demo``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import app, console, db_app, fail, get_settings, import_app, verbose
from stations.errors import ImportRejected

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Tạo/nâng cấp cơ sở dữ liệu / create or upgrade the database schema."""
    from service.bootstrap import prepare_database

    settings = get_settings()
    prepare_database(settings)
    console.print(f"[green]Database up to date[/] ({settings.db_url.split('@')[-1]})")


def _import(kind: str, path: Path) -> None:
    from service.bootstrap import import_points, import_stations, prepare_database

    settings = get_settings()
    engine = prepare_database(settings)
    try:
        inserted, updated = (import_stations if kind == "stations" else import_points)(engine, path)
    except ImportRejected as exc:
        raise fail(str(exc), code=2) from exc
    console.print(f"[green]{kind}:[/] {inserted} mới / new, {updated} cập nhật / updated")


@import_app.command("stations")
def import_stations_cmd(file: FileArg) -> None:
    """Nhập danh mục trạm (CSV/YAML) / import the station registry; all or nothing."""
    _import("stations", file)


@import_app.command("points")
def import_points_cmd(file: FileArg) -> None:
    """Nhập điểm quan trắc định kỳ (CSV/YAML) / import periodic monitoring points."""
    _import("points", file)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    no_scheduler: Annotated[bool, typer.Option(help="Serve HTTP only (replicas).")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="HTTP worker processes (one per core).")
    ] = 1,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Trusted reverse proxies (e.g. 10.0.0.2,10.0.1.0/24)."),
    ] = None,
) -> None:
    """Chạy dịch vụ web và bộ lập lịch / run the web service and the scheduler.

    With ``--workers N`` the HTTP requests are shared by N processes (each has its own
    interpreter lock); the scheduler still runs once, in whichever process holds the leader
    lock.
    """
    import os

    from service.bootstrap import prepare_database
    from service.web.app import create_app
    from service.web.http_server import run_app, run_workers

    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    if forwarded_allow_ips:
        overrides["forwarded_allow_ips"] = forwarded_allow_ips
    settings = get_settings(**overrides)
    prepare_database(settings)
    scheduler = not no_scheduler and settings.scheduler_enabled
    if workers == 1:
        run_app(create_app(settings, scheduler=scheduler), settings)
        return
    # Worker processes build their own app from the environment: hand the options down.
    os.environ.update(
        QUANTRAC_DATABASE_URL=settings.db_url,
        QUANTRAC_HOST=settings.host,
        QUANTRAC_PORT=str(settings.port),
        QUANTRAC_SCHEDULER_ENABLED=str(scheduler).lower(),
        QUANTRAC_FORWARDED_ALLOW_IPS=settings.forwarded_allow_ips,
    )
    run_workers(settings, workers)


@app.command()
def worker() -> None:
    """Chỉ chạy bộ lập lịch (thu nhận, đánh giá, cảnh báo) / run the scheduler only.

    Polling, compliance and alerts in their own process, beside ``quantrac serve
    --no-scheduler``: a busy map then never slows ingestion (each process has its own
    interpreter lock). On PostgreSQL several workers may run; one holds the leader lock.
    """
    import signal
    import threading

    from service.bootstrap import prepare_database
    from service.runtime import Runtime
    from service.worker.leader import SchedulerLeader
    from service.worker.scheduler import start_scheduler

    settings = get_settings()
    engine = prepare_database(settings)
    ctx = Runtime(settings=settings, engine=engine)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    sched = SchedulerLeader(engine, lambda: start_scheduler(ctx)).start()
    console.print("[bold green]quantrac worker[/]: scheduler running (Ctrl+C to stop)")
    try:
        stop.wait()
    finally:
        sched.shutdown(wait=True)
        engine.dispose()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Listen port.")] = 8000,
    host: Annotated[str, typer.Option(help="Listen address.")] = "127.0.0.1",
    days: Annotated[float, typer.Option(help="Days of simulated back-history.")] = 3.0,
) -> None:
    """Bản demo Lạng Sơn / the Lạng Sơn demo: demo data, simulator, scheduler, web map."""
    from service.bootstrap import prepare_database
    from service.demo.app import setup_demo
    from service.web.app import create_app
    from service.web.http_server import run_app

    settings = get_settings(host=host, port=port)
    engine = prepare_database(settings)
    settings = setup_demo(settings, engine, history_days=days, console=console)
    app_ = create_app(settings)
    quiet = not verbose()
    if quiet:
        # Scheduler passes and requests log at INFO ~once a second: the URL would scroll away.
        logging.getLogger().setLevel(logging.WARNING)

    def started() -> None:
        console.print(f"[bold green]quantrac demo:[/] {settings.base_url}/map")
        if quiet:
            console.print("(nhật ký chỉ cảnh báo, -v để xem hết / warnings only, -v for all logs)")

    run_app(app_, settings, quiet=quiet, on_started=started)
