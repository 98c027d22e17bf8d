"""The monitoring-points layer at scale: memory and first-request time of one worker.

Prepares a database with ``--points`` points (the demo points plus seeded synthetic ones),
starts ``quantrac serve --no-scheduler --workers 1`` and measures, from /proc, the worker's
resident memory before and after the first items request, the first request's time, and a
walk of the whole layer through ``next`` links (``limit=--page``), checking that every point
comes back exactly once.

Usage: .venv/bin/python bench/points_scale.py [--points 100000] [--page 1000]
       [--keep DIR [--reuse]] [--code CHECKOUT ...]

``--code`` (repeatable) serves each checkout in turn from the same database (e.g. an export of
main beside this one); ``--reuse`` skips preparing when ``--keep`` already holds a database.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from bench_layers import server
from layers_peers import WAIT_S, prepare

from tests.layers.helpers import free_port

ITEMS = "/ogc/collections/monitoring-points/items"


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (/proc/PID/status VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pids(parent: int) -> list[int]:
    """Child processes of ``parent`` (uvicorn's workers)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                out.append(int(entry.name))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--reuse", action="store_true", help="use --keep's database as it is")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to serve")
    args = parser.parse_args()
    with ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tmp.mkdir(parents=True, exist_ok=True)
        if not (args.reuse and (tmp / "data" / "quantrac.db").exists()):
            t = time.perf_counter()
            prepare(tmp / "data", None, args.points)
            print(f"# prepared {args.points} points in {time.perf_counter() - t:.0f} s",
                  file=sys.stderr)  # fmt: skip
        for code in args.code or [None]:
            measure(tmp, args.points, args.page, code)


def measure(tmp: Path, points: int, page_size: int, code: Path | None) -> None:
    """Serve ``code`` (None: this checkout) on ``tmp``'s database and print one line."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    quantrac = str(Path(sys.executable).with_name("quantrac"))
    cmd = [quantrac, "serve", "--no-scheduler", "--workers", "1", "--port", str(port)]
    env = {"QUANTRAC_DATA_DIR": str(tmp / "data"), "QUANTRAC_AUTH_ENABLED": "false",
           "QUANTRAC_ACCESS_LOG": "false",
           **({"PYTHONPATH": str(code.resolve())} if code else {})}  # fmt: skip
    with server(cmd, env, f"{base}/healthz", tmp / "serve.log", WAIT_S) as proc:
        workers = worker_pids(proc.pid) or [proc.pid]
        before = sum(rss_mb(p) for p in workers)
        t = time.perf_counter()
        first = httpx.get(f"{base}{ITEMS}?limit=100", timeout=600)
        first_s = time.perf_counter() - t
        first.raise_for_status()
        after_first = sum(rss_mb(p) for p in workers)
        seen: dict[str, int] = {}
        digest = hashlib.sha256()
        url: str | None = f"{base}{ITEMS}?limit={page_size}"
        t = time.perf_counter()
        pages = 0
        while url:
            raw = httpx.get(url, timeout=600).content
            page = json.loads(raw)
            digest.update(raw.split(b'],"numberMatched"')[0])  # the features, not the timeStamp
            pages += 1
            for f in page["features"]:
                seen[str(f["id"])] = seen.get(str(f["id"]), 0) + 1
            url = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
        walk_s = time.perf_counter() - t
        peak = max(sum(rss_mb(p) for p in workers), after_first)
    twice = sum(1 for c in seen.values() if c > 1)
    print(f"{code.name if code else 'this'}: points {points}: worker RSS {before:.0f} MB "
          f"before, {after_first:.0f} MB after the first request ({first_s:.2f} s), "
          f"{peak:.0f} MB after walking {len(seen)} features in {pages} pages of {page_size} "
          f"({walk_s:.1f} s); "
          f"repeated {twice}; pages sha256 {digest.hexdigest()[:16]}; "
          f"load {os.getloadavg()}")  # fmt: skip
    if len(seen) != points or twice:
        sys.exit("the walk did not return every point exactly once")


if __name__ == "__main__":
    main()
