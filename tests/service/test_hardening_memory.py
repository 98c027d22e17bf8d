"""Issue 16, memory: every upload and ingest path fed an input that expands to at least 1 GB
keeps the process's peak RSS under 400 MB and its answer under 1 MB.

Each target runs in its own process and reports its own peak RSS (``VmHWM``) when it ends
(tests/fixtures/memory_target.py). Inputs are made on the fly and cheaply (zips of zeros, a
sparse file).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.fixtures.bombs import MB, xlsx_shared_strings_bomb, zip_of_zeros

GB = 1024 * MB
PEAK_LIMIT_MB = 400
ANSWER_LIMIT = 1 * MB
TARGET = Path(__file__).resolve().parents[1] / "fixtures" / "memory_target.py"
ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _env(peak_file: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_PEAK_FILE": str(peak_file)}


def _peak_mb(proc: subprocess.Popen[bytes], peak_file: Path) -> float:
    proc.wait(timeout=120)
    return int(peak_file.read_text()) / 1024  # kB


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(
    tmp_path: Path, sqlite_template: Path, peak_file: Path
) -> tuple[str, subprocess.Popen[bytes]]:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "quantrac.db")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, str(TARGET), "serve", str(data), str(port)], env=_env(peak_file)
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return base, proc
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.2)


def _stream_chunked(port: int, path: str, head: bytes, total: int) -> bytes:
    """POST a chunked body of ``total`` bytes; returns the raw answer (stops sending once an
    answer arrives)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Content-Type: multipart/form-data; boundary=qt\r\n\r\n".encode()
    )
    answer = bytearray()
    done = threading.Event()

    def read() -> None:
        try:
            while chunk := sock.recv(65536):
                answer.extend(chunk)
                if b"\r\n\r\n" in answer:
                    done.set()
        except OSError:
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    block = b"7" * MB
    sent = 0
    try:
        sock.sendall(f"{len(head):x}\r\n".encode() + head + b"\r\n")
        while sent < total and not done.is_set():
            sock.sendall(f"{len(block):x}\r\n".encode() + block + b"\r\n")
            sent += len(block)
    except OSError:
        pass  # the server stopped reading: that is the point
    done.wait(30)
    time.sleep(0.2)
    sock.close()
    reader.join(5)
    return bytes(answer)


def test_uploads_of_1_gb_stay_bounded(tmp_path: Path, sqlite_template: Path) -> None:
    bomb = xlsx_shared_strings_bomb(GB)  # ~6 MB on the wire, 1 GB of shared strings
    head = b'--qt\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
    peak_file = tmp_path / "peak"
    base, proc = _start_server(tmp_path, sqlite_template, peak_file)
    try:
        response = httpx.post(
            f"{base}/api/results", files={"file": ("bomb.xlsx", bomb)}, timeout=120
        )
        answer = _stream_chunked(int(base.rsplit(":", 1)[1]), "/api/results", head, GB)
    finally:
        proc.send_signal(signal.SIGTERM)
        peak = _peak_mb(proc, peak_file)
    assert response.status_code == 422 and len(response.content) < ANSWER_LIMIT
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert len(answer) < ANSWER_LIMIT
    assert peak < PEAK_LIMIT_MB, f"the server peaked at {peak:.0f} MB"


def test_cli_ingest_of_a_1_gb_zip_stays_bounded(tmp_path: Path, sqlite_template: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(sqlite_template, data / "quantrac.db")
    bomb = zip_of_zeros(tmp_path / "bomb.zip", members=16, member_bytes=64 * MB)  # 1 GB
    assert bomb.stat().st_size < 16 * MB
    peak_file = tmp_path / "peak"
    env = {**_env(peak_file), "QUANTRAC_DATA_DIR": str(data), "QUANTRAC_SCHEDULER_ENABLED": "0"}
    proc = subprocess.Popen(
        [sys.executable, str(TARGET), "cli", "ingest", str(bomb), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out = proc.stdout.read()  # type: ignore[union-attr]
    proc.stderr.read()  # type: ignore[union-attr]
    peak = _peak_mb(proc, peak_file)
    assert b"quarantined" in out and len(out) < ANSWER_LIMIT
    assert peak < PEAK_LIMIT_MB, f"quantrac ingest peaked at {peak:.0f} MB"


def test_a_polled_1_gb_file_stays_bounded(tmp_path: Path) -> None:
    big = tmp_path / "drop" / "LS_BIG_KHI01_20261120083000.txt"
    big.parent.mkdir()
    with open(big, "wb") as fh:
        fh.truncate(GB)  # sparse
    peak_file = tmp_path / "peak"
    proc = subprocess.Popen(
        [sys.executable, str(TARGET), "fetch", str(big)],
        env=_env(peak_file),
        stdout=subprocess.PIPE,
    )
    out = proc.stdout.read()  # type: ignore[union-attr]
    peak = _peak_mb(proc, peak_file)
    assert int(out) == 8 * MB + 1
    assert peak < PEAK_LIMIT_MB, f"a folder poll peaked at {peak:.0f} MB"
