"""Public portal under a crowd (issue 18): wrk at 1,000 connections on loopback, bounded.

Usage: ``python bench/bench_public.py [--connections 1000] [--duration 15] [--workers 2]``.
Needs ``wrk`` and ``nginx`` (scripts/system-deps.sh).

- The service: ``quantrac serve --no-scheduler --workers N`` on a seeded SQLite database (the
  public-portal test seed: demo registry, one live and one silent air station), its per-address
  limit raised (wrk comes from one address).
- The production path: nginx with the project's own ``deploy/nginx/quantrac.conf`` in front
  (snapshot file for ``/public/data.json``, proxy cache for the other ``/public`` answers), its
  ``limit_req`` removed for the same reason.
- Measured, each for ``--duration`` s with ``-H 'Accept-Encoding: gzip'``: ``/public/data.json``
  and ``/public`` straight from Python, then the same URLs through nginx. nginx serving the
  snapshot file is the static-file limit for the same bytes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.bootstrap import prepare_database  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.service import public_nginx  # noqa: E402
from tests.service.public_seed import seed  # noqa: E402
from tests.service.public_server import free_port  # noqa: E402


def wrk(url: str, connections: int, duration: int) -> dict[str, str]:
    """Run wrk and pick requests/s, p50, p99 and errors from its report."""
    run = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
         "-H", "Accept-Encoding: gzip", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if run.returncode != 0:
        raise SystemExit(f"wrk failed on {url}: {run.stderr or run.stdout}")
    out = run.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {
        "req/s": rate.group(1) if rate else "?",
        "p50": p50.group(1) if p50 else "?",
        "p99": p99.group(1) if p99 else "?",
        "requests": total.group(1) if total else "?",
        "non-2xx": non2xx.group(1) if non2xx else "0",
        "socket errors": sock.group(1).strip() if sock else "none",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=15)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is missing: bash scripts/system-deps.sh")
    tmp = Path(tempfile.mkdtemp(prefix="bench-public-"))
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "QUANTRAC_DATA_DIR": str(tmp / "data"),
        "QUANTRAC_SCHEDULER_ENABLED": "false",
        "QUANTRAC_PUBLIC_REQUESTS_PER_MINUTE": "100000000",
        "QUANTRAC_BASEMAP_URL": "",
    }
    settings = Settings(_env_file=None, data_dir=tmp / "data")  # type: ignore[call-arg]
    engine = prepare_database(settings)
    seed(engine)
    engine.dispose()
    port, proxy_port = free_port(), free_port()
    quantrac = Path(sys.executable).parent / "quantrac"
    server = subprocess.Popen(
        [str(quantrac), "serve", "--no-scheduler", "--port", str(port),
         "--workers", str(args.workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base, proxied = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{proxy_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/public/data.json", timeout=30).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the service did not start")
            time.sleep(0.5)
        # The same nginx config as production, without its per-address limit (one wrk address).
        original = public_nginx.CONF
        conf = tmp / "quantrac.conf"
        conf.write_text(
            re.sub(r"\s*limit_req zone=quantrac_public[^;]*;", "", original.read_text()),
            encoding="utf-8",
        )
        public_nginx.CONF = conf
        with public_nginx.run_nginx(port, proxy_port, settings.data_dir, tmp / "nginx"):
            for url in (f"{proxied}/public/data.json", f"{proxied}/public"):
                httpx.get(url)  # warm nginx's cache
            rows = []
            for label, url in (
                ("Python  /public/data.json", f"{base}/public/data.json"),
                ("nginx   /public/data.json (snapshot file)", f"{proxied}/public/data.json"),
                ("Python  /public", f"{base}/public"),
                ("nginx   /public (proxy cache)", f"{proxied}/public"),
            ):
                rows.append((label, wrk(url, args.connections, args.duration)))
                print(label, rows[-1], flush=True)
        public_nginx.CONF = original
        load = os.getloadavg()
        print(f"\nload average after the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
        print("| what | req/s | p50 | p99 | requests | non-2xx | socket errors |")
        print("|---|---|---|---|---|---|---|")
        for label, r in rows:
            print(f"| {label} | {r['req/s']} | {r['p50']} | {r['p99']} | {r['requests']} "
                  f"| {r['non-2xx']} | {r['socket errors']} |")  # fmt: skip
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
