"""``quantrac serve --workers 2`` and ``quantrac worker``: HTTP in several processes, and the
scheduler in exactly one of them (the leader lock: a file lock on SQLite, an advisory lock on
PostgreSQL), so every file is polled once and every reading stored once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import Engine

from service.bootstrap import import_stations
from tests.fixtures.alerts.builders import free_port
from tests.fixtures.faults.corpus import (
    assert_exactly_once,
    remaining,
    station_models,
    write_corpus,
)

ROOT = Path(__file__).resolve().parents[2]
QUANTRAC = str(Path(sys.executable).with_name("quantrac"))
pytestmark = pytest.mark.slow


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize(
    "commands",
    [
        [["serve", "--workers", "2"]],
        [["serve", "--no-scheduler", "--workers", "2"], ["worker"], ["worker"]],
    ],
    ids=["serve-workers", "serve-and-two-workers"],
)
def test_one_scheduler_among_processes(
    engine: Engine, db_url: str, tmp_path: Path, commands: list[list[str]]
) -> None:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    drop = tmp_path / "drop"
    corpus = write_corpus(drop, station_models(engine), slots=3)  # 39 files
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"interval_seconds": 0.3, "retries": 0},
                "sources": [{"id": "drop", "type": "folder", "path": str(drop)}],
            }
        ),
        encoding="utf-8",
    )
    port = free_port()
    env = {
        **os.environ,
        "QUANTRAC_DATA_DIR": str(tmp_path / "data"),
        "QUANTRAC_DATABASE_URL": db_url,
        "QUANTRAC_SOURCES_FILE": str(sources),
        "QUANTRAC_AUTH_ENABLED": "false",
        "QUANTRAC_PORT": str(port),
    }
    logs = [tmp_path / f"{i}.log" for i in range(len(commands))]
    procs = [
        subprocess.Popen([QUANTRAC, *cmd], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        for cmd, log in zip(commands, logs, strict=True)
    ]
    try:
        assert _wait(lambda: _up(f"http://127.0.0.1:{port}/healthz"), 240), logs[0].read_text()
        assert _wait(lambda: not remaining(drop), 60), "the folder was not drained"
        time.sleep(1)  # a second scheduler, if any, would have started by now
        for _ in range(6):  # every worker process answers the same
            r = httpx.get(f"http://127.0.0.1:{port}/api/stations", timeout=10)
            assert r.status_code == 200 and len(r.json()["features"]) == 13
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    assert_exactly_once(engine, corpus)
    text = "".join(log.read_text(encoding="utf-8", errors="replace") for log in logs)
    assert text.count("scheduler started with jobs") == 1, text[-3000:]
    if len(commands) == 1:
        assert text.count("Started server process") == 2


def test_worker_socket_disables_nagle() -> None:
    """Without TCP_NODELAY on the shared socket every small answer waited ~40 ms for the
    client's delayed ACK (measured: 225 req/s at 10 clients, p50 44 ms)."""
    import socket

    from service.web.http_server import NoDelayConfig

    sock = NoDelayConfig(
        "service.web.app:app_from_environment", host="127.0.0.1", port=0
    ).bind_socket()
    try:
        sock.listen()
        client = socket.create_connection(sock.getsockname())
        accepted, _ = sock.accept()
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        accepted.close()
        client.close()
    finally:
        sock.close()
