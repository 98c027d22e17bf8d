"""Forwarding benchmark: the outbox sender vs a plain ftplib upload loop, same files, same run.

Usage: ``python bench/bench_forward.py [--stations 2000] [--slots 2] [--live-slots 2]
[--tick-seconds 30] [--send-interval 1]``.

2,000 synthetic air stations each send one Circular 10/2021 file per 5-minute slot (simulator
bytes). The "ministry" is pyftpdlib on loopback in its own process (the simulator's FTP server),
so it does not share this process's interpreter lock. Three measurements:

1. **drain**: ``--slots`` slots of files are recorded and queued (one transaction per slot, as a
   poll batch commits), then ``send_due`` runs until the queue is empty: files/s with receipts
   (temporary name, SIZE, rename, SIZE, one commit per receipt);
2. **plain loop**: the same files uploaded by a bare ftplib loop (one connection, folders made
   once, ``STOR`` straight to the final name, no check, no database) into another root;
3. **live**: ``--live-slots`` more slots arrive every ``--tick-seconds`` (5 minutes compressed)
   while the sender runs every ``--send-interval`` seconds in a thread; lag = commit of the file
   -> its receipt, p50/p99 in milliseconds (the bench's clock is in ms for both ends).

SQLite database in a temporary folder.
"""

from __future__ import annotations

import argparse
import ftplib
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import AbstractContextManager
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, insert, select

from service.database import make_engine, upgrade
from service.demo.simulator.model import Scenario, StationModel, station_file
from stations.forward.outbox import enqueue_recorded
from stations.forward.route import Route
from stations.forward.sender import send_due
from stations.forward.status import percentile
from stations.forward.transport import FtpEndpoint, Transport, ftp_session
from stations.ingest.archive import archive_bytes
from stations.ingest.model import RecordedFile
from stations.store.forward_tables import forward_outbox
from stations.store.schema import ingested_files, sites

ROOT = Path(__file__).resolve().parent.parent
SLOT0 = 1_796_400_000  # 2026-12-04 local morning
PARAMS = {"PM2.5": "µg/m3", "PM10": "µg/m3", "NO2": "µg/m3", "SO2": "µg/m3", "CO": "µg/m3"}
USER, PASSWORD = "so", "bench"


def ms() -> int:
    return time.time_ns() // 1_000_000


def start_ministry(root: Path) -> tuple[subprocess.Popen[str], int]:
    code = (
        "import sys; from pathlib import Path; "
        "from service.demo.simulator.ftp_server import LocalFtpServer as S; "
        f"s = S(Path({str(root)!r}), user={USER!r}, password={PASSWORD!r}).start(); "
        "print(s.port, flush=True); sys.stdin.read()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    return proc, int(proc.stdout.readline())


def register(engine: Engine, n: int) -> list[StationModel]:
    models = [StationModel(f"BENCH_S{i:04d}", "air", PARAMS) for i in range(n)]
    rows = [
        {
            "id": m.station_id,
            "name": m.station_id,
            "site_type": "station",
            "kind": "air",
            "medium": "ambient_air",
            "lon": 106.7,
            "lat": 21.8,
            "active": True,
            "synthetic": True,
            "config": {},
            "updated_at": 0,
        }
        for m in models
    ]
    with engine.begin() as conn:
        conn.execute(insert(sites), rows)
    return models


def receive_slot(
    engine: Engine, route: Route, models: list[StationModel], slot: int, archive: Path
) -> list[tuple[str, bytes, str]]:
    """Record and queue one slot's files in one transaction; returns (station, bytes, name)."""
    files = []
    for m in models:
        made = station_file(m, slot, Scenario())
        assert made is not None
        files.append((m.station_id, made[1], made[0]))
    now = ms()
    with engine.begin() as conn:
        rows = []
        for station, data, name in files:
            sha = f"{hash((station, slot)) & (2**63 - 1):064x}"
            path = archive_bytes(archive, sha, data)
            rows.append(
                {
                    "sha256": sha,
                    "name": name,
                    "origin": "bench",
                    "station_id": station,
                    "received_at": now,
                    "size": len(data),
                    "outcome": "ok",
                    "reason": None,
                    "readings": len(PARAMS),
                    "line_errors": [],
                    "archive_path": str(path),
                }
            )
        conn.execute(insert(ingested_files), rows)
        ids = dict(
            conn.execute(
                select(ingested_files.c.name, ingested_files.c.id).where(
                    ingested_files.c.received_at == now
                )
            ).all()
        )
        enqueue_recorded(
            conn,
            [route],
            [RecordedFile(ids[name], station, name, "ok", slot, now) for station, _, name in files],
        )
    return files


def drain(engine: Engine, route: Route, session: partial[AbstractContextManager[Transport]]) -> int:
    sent = 0
    while True:
        r = send_due(engine, route, session, now=ms, limit=5000)
        assert r.error is None, r.error
        sent += r.sent
        if not r.sent:
            return sent


def plain_loop(port: int, files: list[tuple[str, bytes, str]], root: str) -> float:
    start = time.perf_counter()
    made: set[str] = set()
    with ftplib.FTP() as ftp:
        ftp.connect("127.0.0.1", port, timeout=30)
        ftp.login(USER, PASSWORD)
        for station, data, name in files:
            folder = f"{root}/{station}"
            if folder not in made:
                for p in (root, folder):
                    try:
                        ftp.mkd(p)
                    except ftplib.error_perm:
                        pass
                made.update((root, folder))
            ftp.storbinary(f"STOR {folder}/{name}", io.BytesIO(data))
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--slots", type=int, default=2)
    ap.add_argument("--live-slots", type=int, default=2)
    ap.add_argument("--tick-seconds", type=float, default=30)
    ap.add_argument("--send-interval", type=float, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        models = register(engine, args.stations)
        ministry, port = start_ministry(tmp / "ministry")
        route = Route(id="ministry", folder="{kind}/{station}/{yyyy}/{MM}/{dd}")
        session = partial(ftp_session, FtpEndpoint("127.0.0.1", port, USER, PASSWORD))
        try:
            files = []
            for i in range(args.slots):
                files += receive_slot(engine, route, models, SLOT0 + i * 300, tmp / "archive")
            t0 = time.perf_counter()
            sent = drain(engine, route, session)
            drain_s = time.perf_counter() - t0
            plain_s = plain_loop(port, files, "/plain")
            print(
                f"drain: {sent} files in {drain_s:.1f} s = {sent / drain_s:.0f} files/s "
                f"(receipts); plain ftplib loop: {len(files)} files in {plain_s:.1f} s = "
                f"{len(files) / plain_s:.0f} files/s; ratio {plain_s / drain_s:.0%}"
            )
            with engine.connect() as conn:
                done = conn.scalar(
                    select(forward_outbox.c.id).order_by(forward_outbox.c.id.desc()).limit(1)
                )
            stop = threading.Event()

            def sender() -> None:
                while not stop.wait(args.send_interval):
                    send_due(engine, route, session, now=ms, limit=5000)

            thread = threading.Thread(target=sender, daemon=True)
            thread.start()
            t_live = time.perf_counter()
            for i in range(args.live_slots):
                receive_slot(engine, route, models, SLOT0 + (args.slots + i) * 300, tmp / "archive")
                if i + 1 < args.live_slots:
                    time.sleep(max(0.0, t_live + (i + 1) * args.tick_seconds - time.perf_counter()))
            expected = args.stations * args.live_slots
            deadline = time.perf_counter() + 600
            while time.perf_counter() < deadline:
                with engine.connect() as conn:
                    lags = sorted(
                        conn.scalars(
                            select(forward_outbox.c.sent_at - forward_outbox.c.received_at).where(
                                forward_outbox.c.id > done, forward_outbox.c.sent_at.is_not(None)
                            )
                        )
                    )
                if len(lags) >= expected:
                    break
                time.sleep(0.5)
            stop.set()
            thread.join()
            print(
                f"live: {len(lags)}/{expected} files, {args.live_slots} slots every "
                f"{args.tick_seconds:g} s, send interval {args.send_interval:g} s: lag p50 "
                f"{percentile(lags, 0.5):.0f} ms, p99 {percentile(lags, 0.99):.0f} ms, "
                f"max {lags[-1]:.0f} ms"
            )
        finally:
            assert ministry.stdin is not None
            ministry.stdin.close()
            ministry.wait(timeout=10)
            engine.dispose()


if __name__ == "__main__":
    main()
