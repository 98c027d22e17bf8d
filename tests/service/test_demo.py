"""`quantrac demo` serves /healthz and the 13 demo stations within 60 s (a real process)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.alerts.builders import wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_answers_within_60_seconds(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "QUANTRAC_DATA_DIR": str(tmp_path / "demo"),
        "QUANTRAC_AUTH_ENABLED": "false",
    }
    env.pop("QUANTRAC_DATABASE_URL", None)
    quantrac = Path(sys.executable).parent / "quantrac"
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        [str(quantrac), "demo", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started = time.monotonic()
    stations = None
    try:
        while time.monotonic() - started < 60:
            assert proc.poll() is None, (tmp_path / "demo.log").read_text()
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if health.status_code == 200:
                    stations = httpx.get(f"http://127.0.0.1:{port}/api/stations", timeout=5)
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        assert stations is not None, "demo did not answer /healthz within 60 s"
        body = stations.json()
        assert body["type"] == "FeatureCollection"
        kinds = [f["properties"]["kind"] for f in body["features"]]
        assert len([k for k in kinds if k != "rain"]) == 13
        assert kinds.count("rain") == 20  # the synthetic rain gauges of the warnings demo
        props = body["features"][0]["properties"]
        assert {"name", "kind"} <= set(props)
        assert len(body["features"][0]["geometry"]["coordinates"]) == 2
        # Quiet by default: after the requests above (no access log) and the scheduler's
        # passes (INFO), the URL is still the last thing printed, followed by the -v note.
        url = f"http://127.0.0.1:{port}/map"
        for _ in range(3):
            httpx.get(f"http://127.0.0.1:{port}/api/stations", timeout=5)
        log.flush()
        wait_for(lambda: url in (tmp_path / "demo.log").read_text(), timeout=10)
        lines = [x for x in (tmp_path / "demo.log").read_text().splitlines() if x.strip()]
        assert url in lines[-2], lines[-5:]
        assert "-v" in lines[-1], lines[-5:]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
