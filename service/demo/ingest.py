"""Demo step: back-history for the 13 demo stations, a live simulator on a loopback FTP server,
and a sources file that points the scheduler at it.

Demo cadence is compressed: the back-history has the real 5-minute cadence, while the live
dataloggers send one file per station every 30 s (polled every 30 s), so the map moves while
someone watches. The FTP password is random per run and reaches the poller through the
environment (``${QUANTRAC_DEMO_FTP_PASSWORD}`` in the sources file), never through the file.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import time
import zipfile
from typing import Any

import yaml
from rich.console import Console
from sqlalchemy import Engine

from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import StationModel, demo_scenario, history
from service.demo.simulator.runner import FtpUploader, LiveSimulator
from service.settings import Settings
from stations.ingest.archive import archive_bytes
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.store.readings import station_units
from stations.store.sites import list_sites
from stations.timeutil import now_epoch

LIVE_PERIOD_S = 30.0
PASSWORD_ENV = "QUANTRAC_DEMO_FTP_PASSWORD"
_running: list[Any] = []  # keeps the server and simulator threads referenced while serving


def backfill_history(
    engine: Engine, settings: Settings, models: list[StationModel], days: float, now: int
) -> tuple[int, int]:
    """Generate and ingest ``days`` of 5-minute history in-process; (files, readings)."""
    with engine.connect() as conn:
        sites = station_units(conn)
    buf = io.BytesIO()
    names: list[tuple[str, bytes]] = list(
        history(models, now - int(days * 86400), now, demo_scenario(now))
    )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in names:
            zf.writestr(name, data)
    raw = buf.getvalue()
    archive_dir = settings.data_dir / "archive"
    kept = archive_bytes(archive_dir, hashlib.sha256(raw).hexdigest(), raw)
    files = [IncomingFile(n, d, f"demo-history.zip#{n}", f"{kept}#{n}") for n, d in names]
    options = IngestOptions(quarantine_dir=settings.data_dir / "quarantine")
    stored = 0
    for i in range(0, len(files), 2000):
        result = ingest_batch(
            engine,
            files[i : i + 2000],
            sites=sites,
            now=now,
            archive_dir=archive_dir,
            options=options,
        )
        stored += result.stored
    return len(files), stored


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Back-history, live FTP simulator, sources file; returns settings with ``sources_file``."""
    with engine.connect() as conn:
        stations = list_sites(conn, site_type="station")
    models = [StationModel(s.id, s.kind, s.parameters) for s in stations]
    now = now_epoch()
    t0 = time.perf_counter()
    if history_days > 0:
        n_files, n_readings = backfill_history(engine, settings, models, history_days, now)
        console.print(
            f"demo history: {n_files} files, {n_readings} readings "
            f"({history_days:g} days) in {time.perf_counter() - t0:.1f}s"
        )
    password = os.environ.setdefault(PASSWORD_ENV, secrets.token_urlsafe(16))
    server = LocalFtpServer(settings.data_dir / "simulator-ftp", password=password).start()
    sim = LiveSimulator(
        models,
        demo_scenario(now),
        FtpUploader(server.host, server.port, server.user, password),
        period_s=LIVE_PERIOD_S,
    ).start()
    _running.extend([server, sim])
    sources = {
        "defaults": {
            "interval_seconds": LIVE_PERIOD_S,
            "timeout_seconds": 10,
            "retries": 2,
            "backoff_seconds": 1,
        },
        "sources": [
            {
                "id": "demo-ftp",
                "type": "ftp",
                "host": server.host,
                "port": server.port,
                "user": server.user,
                "password": f"${{{PASSWORD_ENV}}}",
                "path": "/",
                "after": "move",
                "format": "tt10",
            }
        ],
    }
    path = settings.data_dir / "demo-sources.yaml"
    path.write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")
    console.print(
        f"demo simulator: FTP 127.0.0.1:{server.port}, one file/station/{LIVE_PERIOD_S:g}s"
    )
    return settings.model_copy(update={"sources_file": path})
