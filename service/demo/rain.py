"""Demo step of the warnings area: 65 SYNTHETIC communes, 20 SYNTHETIC rain gauges and a
SYNTHETIC typhoon-like storm.

Runs after the ingest step: the gauges get three and a half days of 10-minute storm rain (one
Circular 10 file per gauge and day, through the ordinary ingest), the warning chain is replayed
over the last two days (so levels have a history), a synthetic event list is written for
``quantrac warnings replay``, and a live simulator keeps sending one file per gauge every
10 minutes to the demo FTP server, which the scheduler polls.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict

from rich.console import Console
from sqlalchemy import Engine

from layers.warnings import recompute, replay
from service.demo import ingest as demo_ingest
from service.demo.rain_gauges import rain_gauge
from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import Scenario, StationModel, local_stamp, value_at
from service.demo.simulator.runner import FtpUploader, LiveSimulator
from service.demo.simulator.storm import Storm, demo_storm
from service.demo.synthetic_communes import gauge_sites, load_synthetic_communes
from service.settings import Settings
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.rain import PARAMETER
from stations.sites import Site
from stations.store.readings import station_units
from stations.store.sites import upsert_sites
from stations.timeutil import epoch_to_local_iso, now_epoch

STEP_S = 600
HISTORY_S = int(3.5 * 86400)
REPLAY_S = 2 * 86400
EVENT_MM_24H = 150.0  # a commune whose point got this much in 24 h "had" a synthetic event


def _sites() -> list[Site]:
    return [
        rain_gauge(
            gid,
            f"Trạm đo mưa mô phỏng {gid[-2:]}",
            lon,
            lat,
            STEP_S,
            polling={"interval_minutes": 10},
        )
        for gid, lon, lat in gauge_sites()
    ]


def _daily_files(models: list[StationModel], scenario: Scenario, start: int, end: int):
    """One Circular 10 file per gauge and local day, one line per 10-minute interval."""
    lines: dict[tuple[str, str], list[str]] = defaultdict(list)
    last: dict[tuple[str, str], str] = {}
    t = start - start % STEP_S
    while t <= end:
        stamp = local_stamp(t)
        for m in models:
            key = (m.station_id, stamp[:8])
            lines[key].append(
                f"{PARAMETER}\t{value_at(m, PARAMETER, t, scenario)}\tmm\t{stamp}\t00\r\n"
            )
            last[key] = stamp
        t += STEP_S
    for key, body in lines.items():
        yield f"{key[0]}_{last[key]}.txt", "".join(body).encode()


def synthetic_events(storm: Storm, communes: list, start: int, end: int) -> list[tuple[str, int]]:
    """(commune id, time of its heaviest hour) where the storm gave ≥ 150 mm in 24 h."""
    out = []
    for cid, _name, geom in communes:
        p = geom.point_on_surface()
        hours = [(storm.rate_mm_h(p.x, p.y, t), t) for t in range(start, end, 3600)]
        window = [sum(r for r, _ in hours[i : i + 24]) for i in range(max(len(hours) - 23, 1))]
        if window and max(window) >= EVENT_MM_24H:
            out.append((cid, max(hours)[1]))
    return out


def run(settings: Settings, engine: Engine, console: Console, history_days: float) -> Settings:
    """Communes, gauges, storm history and levels, live gauges; returns ``settings``."""
    from service.demo.synthetic_communes import synthetic_communes

    now = now_epoch()
    now -= now % STEP_S
    t0 = time.perf_counter()
    n = load_synthetic_communes(engine, now)
    sites = _sites()
    with engine.begin() as conn:
        upsert_sites(conn, sites, now)
        units = station_units(conn)
    storm = demo_storm(now)
    scenario = Scenario(storm=storm, rain_step_s=STEP_S)
    models = [StationModel(s.id, s.kind, s.parameters, s.lon, s.lat) for s in sites]
    start = now - HISTORY_S
    files = [
        IncomingFile(name, data, f"demo-rain#{name}")
        for name, data in _daily_files(models, scenario, start, now)
    ]
    ingest_batch(
        engine,
        files,
        sites=units,
        now=now,
        archive_dir=settings.data_dir / "archive",
        options=IngestOptions(quarantine_dir=settings.data_dir / "quarantine"),
    )
    replay(engine, now - REPLAY_S, now - 3600, step_s=3600)
    recompute(engine, {s.id: (now - 3600, now) for s in sites})
    events = synthetic_events(storm, synthetic_communes(), start, now)
    path = settings.data_dir / "demo-rain-events.csv"
    body = "place,time,note\n" + "".join(
        f"{cid},{epoch_to_local_iso(t)},SYNTHETIC demo event\n" for cid, t in events
    )
    path.write_text(body, encoding="utf-8")
    server = next((x for x in demo_ingest._running if isinstance(x, LocalFtpServer)), None)
    if server is not None:
        password = os.environ[demo_ingest.PASSWORD_ENV]
        live = LiveSimulator(
            models,
            scenario,
            FtpUploader(server.host, server.port, server.user, password),
            period_s=STEP_S,
        ).start()
        demo_ingest._running.append(live)
    console.print(
        f"demo rain: {n} synthetic communes, {len(sites)} synthetic gauges, synthetic storm "
        f"(events: {path.name}) in {time.perf_counter() - t0:.1f}s"
    )
    return settings
