"""Raster tiles measured fairly, side by side in one run on one machine, 10 and 50 clients.

- **Cache hits vs nginx**: ``HITS`` tiles of one raster (the non-empty z11–13 tiles over the
  province, first ones in order), rendered once and then requested again and again from ours; nginx
  serves the very same PNG bytes as static files at the same paths (``worker_processes`` = our
  worker count, ``open_file_cache``, ``sendfile``, access log off). Ours is warmed first by a
  wrk run over the same list, so each worker's tile cache holds every tile.
- **Cold tiles vs TiTiler**: ``--rasters`` distinct Cloud-Optimised GeoTIFFs per run (COG
  driver, 256 blocks, deflate, mode overviews, VN-2000 / TM-3 like the stored demo raster),
  each with different content (synthetic landslide classes from 2 seeds, classes permuted and
  shifted per file), written before the servers start and registered as raster sources for us;
  TiTiler reads the same files at ``/cog/tiles/WebMercatorQuad/…?url=file://…`` with our class
  colour map and nearest resampling. Each (file, tile) is requested once in the whole
  benchmark (all tiles z8–13 over the province, each raster used by one run only): no server has
  rendered any of these tiles before and no worker has opened the file before its first tile
  in that run. Not cold: the OS page cache (the files were just written, and the two servers
  read the same files one after the other) and, within a run, each worker's open dataset
  handle for a raster after its first tile.

Both servers get TiTiler's tuning advice for GDAL (``GDAL_ENV`` below) and 2 uvicorn workers.
Load: ``wrk`` with bench/wrk_rotate.lua (2 threads), as bench/bench_layers.py.

Peers venv (gitignored): ``uv venv bench/.peers/venv && uv pip install --python
bench/.peers/venv/bin/python titiler.application uvicorn rio-cogeo``.

Usage: PYTHONPATH=$PWD .venv/bin/python bench/layers_tiles.py [--runs 3] [--seconds 6]
       [--rasters 4] [--peers bench/.peers/venv/bin]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import rasterio
import rasterio.shutil
from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_layers import _wait, median_of, tile_xyz, wrk  # noqa: E402

from layers.rasters import colour_table, write_level_raster  # noqa: E402
from layers.store import zone_sources  # noqa: E402
from service.bootstrap import prepare_database  # noqa: E402
from service.demo.synthetic_zones import landslide_raster  # noqa: E402
from service.settings import Settings  # noqa: E402
from tests.layers.helpers import free_port  # noqa: E402

WORKERS = 2
HITS = 64
WARM = 10  # requests per hit tile, each on a new connection (any worker may take it)
# TiTiler's performance advice for GDAL (docs "performance tuning", its docker-compose), given
# to both servers. The HTTP/VSI options do not apply to local files but cost nothing.
GDAL_ENV = {
    "GDAL_CACHEMAX": "200",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_INGESTED_BYTES_AT_OPEN": "32768",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".tif",
    "VSI_CACHE": "TRUE",
    "VSI_CACHE_SIZE": "536870912",
    "PYTHONWARNINGS": "ignore",
}


@contextmanager
def server(cmd: list[str], env: dict[str, str], probe: str, log: Path) -> Iterator[int]:
    """A server process, stopped by its own pid on exit (startup may take minutes when the
    shared machine is loaded)."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            _wait(probe, proc, seconds=600)
            yield proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and all its descendants."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(stat.parent.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / tick
    tree, total = {pid}, 0.0
    for child in sorted(parents):  # children have higher pids here (no pid wrap in a run)
        if child in tree or parents[child] in tree:
            tree.add(child)
            total += times[child]
    return total


def measured(
    pid: int, base: str, paths: list[str], seconds: float, clients: int, tmp: Path, **kw: bool
) -> dict[str, float]:
    """A wrk run plus the server's CPU milliseconds per answered request: on a loaded shared
    machine req/s follows the CPU share a server gets; CPU per request does not."""
    before = tree_cpu(pid)
    r = wrk(base, paths, seconds, clients, tmp, **kw)
    r["cpu_ms"] = 1000 * (tree_cpu(pid) - before) / max(r["req_s"] * seconds, 1)
    return r


def distinct_cogs(tmp: Path, folder: Path, count: int) -> list[Path]:
    """``count`` COGs of level classes, no two alike (2 seeds × permutations × shifts)."""
    bases = []
    for seed in (18, 29):
        with rasterio.open(landslide_raster(tmp / f"ls-{seed}.tif", pixel_m=100, seed=seed)) as s:
            bases.append((s.read(1), s.profile))
    perms = [np.array((0, *p), dtype=np.uint8) for p in itertools.permutations(range(1, 6))]
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(count):
        base, profile = bases[k % 2]
        levels = np.roll(perms[(k // 2 + 1) % len(perms)][base], 3 * (k + 1), axis=1)
        levels[base == 0] = 0
        part = tmp / f"cold-{k}.part.tif"
        write_level_raster(part, levels, profile)
        dst = folder / f"cold-{k}.tif"
        rasterio.shutil.copy(part, dst, driver="COG", COMPRESS="DEFLATE", BLOCKSIZE=256,
                             OVERVIEW_RESAMPLING="MODE")  # fmt: skip
        part.unlink()
        out.append(dst)
    return out


def prepare(tmp: Path, rasters: int) -> tuple[Settings, list[Path]]:
    """A database with the raster sources ``hit`` and ``cold-K`` (K < rasters) registered."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp / "data",
        scheduler_enabled=False,
        auth_enabled=False,
    )
    engine = prepare_database(settings)
    cogs = distinct_cogs(tmp, settings.data_dir / "rasters", rasters + 1)
    shutil.move(cogs[-1], settings.data_dir / "rasters" / "hit.tif")
    row = {
        "hazard": "landslide",
        "title": "bench",
        "source_file": "bench.tif",
        "sha256": "0" * 64,
        "source_crs": "EPSG:9215",
        "level_map": {},
        "synthetic": True,
        "imported_at": 0,
    }
    with engine.begin() as conn:
        for name in [*(p.stem for p in cogs[:-1]), "hit"]:
            conn.execute(
                insert(zone_sources).values(id=name, raster_path=f"rasters/{name}.tif", **row)
            )
    engine.dispose()
    return settings, cogs[:-1]


def nginx_conf(tmp: Path, port: int, root: Path) -> Path:
    """nginx as a static tile server on ``port``, as tuned as we can for small files."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(f"{k}_temp_path {tmp / k};\n" for k in ("client_body", "proxy", "fastcgi",
                                                           "uwsgi", "scgi"))  # fmt: skip
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}daemon off;\nworker_processes {WORKERS};\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\nevents {{ worker_connections 4096; }}\n"
        f"http {{\naccess_log off;\n{temp}sendfile on;\ntcp_nopush on;\ntcp_nodelay on;\n"
        "open_file_cache max=10000 inactive=60s;\nkeepalive_requests 1000000;\n"
        f"types {{ image/png png; }}\nserver {{\nlisten 127.0.0.1:{port} backlog=4096;\n"
        f'root {root};\nadd_header Cache-Control "public, max-age=300";\n}}\n}}\n'
    )
    return conf


def hit_paths(base: str) -> tuple[list[str], dict[str, bytes]]:
    """The first ``HITS`` non-empty z11–13 tiles of the ``hit`` raster, and their bytes."""
    paths, body = [], {}
    empty = None
    for z, x, y in tile_xyz():
        if z < 11:
            continue
        path = f"/tiles/hit/{z}/{x}/{y}.png"
        png = httpx.get(base + path, timeout=60).content
        empty = empty or httpx.get(f"{base}/tiles/hit/{z}/0/0.png", timeout=60).content
        if png != empty:
            paths.append(path)
            body[path] = png
        if len(paths) == HITS:
            break
    return paths, body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0, help="per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians reported")
    parser.add_argument("--rasters", type=int, default=4, help="distinct rasters per cold run")
    parser.add_argument("--peers", type=Path, default=ROOT / "bench" / ".peers" / "venv" / "bin")
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    for tool in ("wrk", nginx, str(args.peers / "uvicorn")):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: see the docstring (scripts/system-deps.sh; the peers venv)")
    clients_list = (10, 50)
    cold_runs = args.runs * len(clients_list)
    with ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tmp.mkdir(parents=True, exist_ok=True)
        settings, cogs = prepare(tmp, args.rasters * cold_runs)
        ours_port, titiler_port, nginx_port = free_port(), free_port(), free_port()
        ours, titiler = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{titiler_port}"
        static = f"http://127.0.0.1:{nginx_port}"
        uvicorn_flags = ["--workers", str(WORKERS), "--port"]
        pid_ours = stack.enter_context(server(
            [str(Path(sys.executable).with_name("quantrac")), "serve", "--no-scheduler",
             *uvicorn_flags, str(ours_port)],
            {**GDAL_ENV, "QUANTRAC_DATA_DIR": str(settings.data_dir),
             "QUANTRAC_AUTH_ENABLED": "false", "QUANTRAC_ACCESS_LOG": "false"},
            f"{ours}/healthz", tmp / "ours.log",
        ))  # fmt: skip
        pid_titiler = stack.enter_context(server(
            [str(args.peers / "uvicorn"), "titiler.application.main:app", "--host", "127.0.0.1",
             *uvicorn_flags, str(titiler_port), "--log-level", "warning", "--no-access-log"],
            GDAL_ENV, f"{titiler}/healthz", tmp / "titiler.log",
        ))  # fmt: skip
        hits, body = hit_paths(ours)
        root = tmp / "static"
        for path, png in body.items():
            (root / path.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
            (root / path.lstrip("/")).write_bytes(png)
        (tmp / "nginx").mkdir(exist_ok=True)
        conf = nginx_conf(tmp / "nginx", nginx_port, root)
        nginx_cmd = [nginx, "-p", str(tmp / "nginx"), "-c", str(conf)]
        pid_nginx = stack.enter_context(
            server(nginx_cmd, {}, f"{static}{hits[0]}", tmp / "nginx.log")
        )
        assert httpx.get(static + hits[-1]).content == body[hits[-1]]
        # Warm both workers' caches with every hit tile: a worker misses a tile after WARM
        # requests with probability 2**-WARM; then a short wrk run.
        for path in hits * WARM:
            assert httpx.get(ours + path, timeout=60).status_code == 200
        wrk(ours, hits, 3, 50, tmp)
        cmap = json.dumps({str(k): list(v) for k, v in colour_table().items()})
        query = httpx.QueryParams({"colormap": cmap, "resampling": "nearest"})
        tiles = tile_xyz()

        def cold(run: int) -> tuple[list[str], list[str]]:
            mine = cogs[args.rasters * run : args.rasters * (run + 1)]
            return (
                [f"/tiles/{p.stem}/{z}/{x}/{y}.png" for p in mine for z, x, y in tiles],
                [f"/cog/tiles/WebMercatorQuad/{z}/{x}/{y}.png?url=file://{p}&{query}"
                 for p in mine for z, x, y in tiles],
            )  # fmt: skip

        # TiTiler's first requests per worker import and set up lazily: warm it on the hit
        # raster (never used by the cold runs), as ours was warmed by rendering the hit tiles.
        for path in hits[: 2 * WARM]:
            _z, _x, _y = path.removesuffix(".png").split("/")[-3:]
            r = httpx.get(
                f"{titiler}/cog/tiles/WebMercatorQuad/{_z}/{_x}/{_y}.png?"
                f"url=file://{settings.data_dir}/rasters/hit.tif&{query}",
                timeout=60,
            )
            assert r.status_code == 200 and r.headers["content-type"] == "image/png", r.text
        print(f"# {len(hits)} hit tiles, {len(cogs)} cold rasters × {len(tiles)} tiles; "
              f"load before {os.getloadavg()}", file=sys.stderr)  # fmt: skip
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for run in range(args.runs):
            for clients in clients_list:
                for label, pid, base in (("ours", pid_ours, ours), ("peer", pid_nginx, static)):
                    r = measured(pid, base, hits, args.seconds, clients, tmp)
                    results.setdefault(("tile cache hits vs nginx", label, clients), []).append(r)
                t = run * len(clients_list) + clients_list.index(clients)
                sides = zip(("ours", "peer"), (pid_ours, pid_titiler), (ours, titiler), cold(t),
                            strict=True)  # fmt: skip
                for label, pid, base, paths in sides:
                    r = measured(pid, base, paths, args.seconds, clients, tmp, distinct=True)
                    key = ("cold tiles, distinct COGs, vs TiTiler", label, clients)
                    results.setdefault(key, []).append(r)
                print(f"# run {run + 1} clients {clients} load {os.getloadavg()}", file=sys.stderr)
        print(f"# load after {os.getloadavg()}", file=sys.stderr)
        print("| case | clients | ours req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms "
              "| ours ÷ peer | CPU ms/req ours | peer | peer ÷ ours CPU |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
        for name in dict.fromkeys(k[0] for k in results):
            for clients in clients_list:
                o = median_of(results[(name, "ours", clients)])
                p = median_of(results[(name, "peer", clients)])
                errors = f" ({o['errors']:.0f}/{p['errors']:.0f} errors)" if o["errors"] + p[
                    "errors"] else ""  # fmt: skip
                ratio = o["req_s"] / p["req_s"]
                shown = f"{ratio:.1f}×" if ratio >= 1 else f"{100 * ratio:.0f} %"
                cpu = [statistics.median(r["cpu_ms"] for r in results[(name, lb, clients)])
                       for lb in ("ours", "peer")]  # fmt: skip
                print(f"| {name} | {clients} | {o['req_s']:.0f} | {o['p50_ms']:.1f} | "
                      f"{o['p99_ms']:.1f} | {p['req_s']:.0f} | {p['p50_ms']:.1f} | "
                      f"{p['p99_ms']:.1f} | {shown}{errors} | {cpu[0]:.2f} | {cpu[1]:.2f} | "
                      f"{cpu[1] / cpu[0]:.2f} |")  # fmt: skip
        every = {f"{n} | {lb} | {c}": [(round(r["req_s"], 1), round(r["cpu_ms"], 2)) for r in v]
                 for (n, lb, c), v in results.items()}  # fmt: skip
        print("\nall runs (req/s, CPU ms/req): " + json.dumps(every, ensure_ascii=False))


if __name__ == "__main__":
    main()
