"""Run deploy/nginx/quantrac.conf for real on loopback: the production path's config with only
its addresses and directories replaced (used by the nginx test and the bench)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fixtures.alerts.builders import wait_for

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "quantrac.conf"


def render(app_port: int, port: int, data_dir: Path, tmp: Path) -> str:
    """The project's server config, pointed at a local app, port and data directory."""
    site = CONF.read_text(encoding="utf-8")
    for old, new in (
        ("server app:8000;", f"server 127.0.0.1:{app_port};"),
        ("listen 80;", f"listen 127.0.0.1:{port} backlog=4096;"),
        ("root /srv/quantrac;", f"root {data_dir};"),
        ("/var/cache/nginx/quantrac", str(tmp / "cache")),
    ):
        assert old in site, old
        site = site.replace(old, new)
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read pytest's tmp dirs
    temp = "".join(
        f"{kind}_temp_path {tmp / kind};\n" for kind in ("client_body", "proxy", "fastcgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\naccess_log off;\ndefault_type application/octet-stream;\n{temp}"
        f"uwsgi_temp_path {tmp / 'uwsgi'};\nscgi_temp_path {tmp / 'scgi'};\n{site}\n}}\n"
    )


@contextmanager
def run_nginx(app_port: int, port: int, data_dir: Path, tmp: Path) -> Iterator[subprocess.Popen]:
    """nginx in the foreground on ``port``; stopped (QUIT) on exit."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    tmp.mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(render(app_port, port, data_dir, tmp), encoding="utf-8")
    proc = subprocess.Popen([binary, "-p", str(tmp), "-c", str(conf)])
    try:
        import socket

        def listening() -> bool:
            assert proc.poll() is None, (tmp / "error.log").read_text()
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        wait_for(listening, timeout=10)
        yield proc
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
