"""Layer serving side by side with pygeoapi, in one run on one machine.

Cases (same data for every server, same load settings, 10 and 50 concurrent clients):

- stations: our ``/api/stations`` and ``/ogc/collections/stations/items`` against pygeoapi's
  GeoJSON provider serving the same features (exported from our layer);
- 163 monitoring points (``limit=163``), the reference case of peers.md §3.2;
- 10,000 monitoring points, bbox + ``medium=`` filter, ``limit=100``, against pygeoapi's GeoJSON
  provider on the same 10,000 features (20 bboxes in rotation);

Raster tiles (cache hits against nginx, cold tiles on distinct COGs against TiTiler) are measured
by bench/layers_tiles.py.

Load: wrk (Debian ``wrk``) with ``bench/wrk_rotate.lua``: bounded by time (``-d``) and count
(``WRK_MAX`` per thread), loopback only. Servers: ours is ``quantrac serve --no-scheduler
--workers 2`` (2 uvicorn worker processes; the scheduler belongs to ``quantrac worker``), peers
uvicorn with 2 workers as in peers.md §3.2. Peers come from a benchmark-only venv (see
bench/README.md):

    uv venv bench/.peers/venv
    uv pip install --python bench/.peers/venv/bin/python pygeoapi uvicorn

Usage: .venv/bin/python bench/bench_layers.py [--seconds 6] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.settings import Settings  # noqa: E402
from tests.layers.helpers import free_port  # noqa: E402

PEERS = ROOT / "bench" / ".peers" / "venv" / "bin"
LUA = ROOT / "bench" / "wrk_rotate.lua"
BBOXES = [(106.2 + d / 100, 21.5, 106.8 + d / 100, 22.1) for d in range(20)]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
PROVINCE = (106.1, 21.35, 107.35, 22.45)


def prepare(tmp: Path) -> Settings:
    """Demo stations, 10,000 points and the province (layers_peers.py writes the same data)."""
    from layers_peers import prepare as write_layers

    write_layers(tmp / "data")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp / "data",
        scheduler_enabled=False,
        auth_enabled=False,
    )


def _wait(url: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before answering {url}")
        try:
            if httpx.get(url, timeout=5).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"no answer from {url}")


@contextmanager
def server(
    cmd: list[str], env: dict[str, str], probe: str, log: Path, wait_s: float = 120
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process on 127.0.0.1, stopped (by its own pid) on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            _wait(probe, proc, wait_s)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def pygeoapi_config(tmp: Path, port: int, files: dict[str, Path]) -> Path:
    """A minimal pygeoapi config: one GeoJSON-provider collection per file."""
    resources = {
        name: {
            "type": "collection",
            "title": name,
            "description": name,
            "keywords": [name],
            "extents": {"spatial": {"bbox": list(PROVINCE), "crs": CRS84}},
            "providers": [
                {"type": "feature", "name": "GeoJSON", "data": str(path), "id_field": "id"}
            ],
        }
        for name, path in files.items()
    }  # fmt: skip
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 100, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "",
                "url": "http://x",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://x"},
            "contact": {
                "name": "bench",
                "url": "http://x",
                "email": "x@x",
                "position": "x",
                "address": "x",
                "city": "x",
                "stateorprovince": "x",
                "postalcode": "x",
                "country": "x",
                "phone": "x",
                "fax": "x",
                "hours": "x",
                "instructions": "x",
                "role": "pointOfContact",
            },
        },
        "resources": resources,
    }
    cfg = tmp / "pygeoapi.yml"
    cfg.write_text(json.dumps(config, ensure_ascii=False))  # JSON is YAML
    openapi = tmp / "pygeoapi-openapi.yml"
    subprocess.run(
        [str(PEERS / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(openapi)],
        check=True,
        env={**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)},
        capture_output=True,
    )
    return cfg


def tile_xyz() -> list[tuple[int, int, int]]:
    """Every tile z8..13 over the province (the same list for us and TiTiler)."""
    out = []
    for z in range(8, 14):

        def tx(lon: float, z: int = z) -> int:
            return int((lon + 180) / 360 * 2**z)

        def ty(lat: float, z: int = z) -> int:
            r = math.radians(lat)
            return int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * 2**z)

        minx, miny, maxx, maxy = PROVINCE
        out += [
            (z, x, y) for x in range(tx(minx), tx(maxx) + 1) for y in range(ty(maxy), ty(miny) + 1)
        ]
    return out


def wrk(
    base: str,
    paths: list[str],
    seconds: float,
    clients: int,
    tmp: Path,
    *,
    distinct: bool = False,
    headers: tuple[str, ...] = (),
) -> dict[str, float]:
    """One bounded wrk run (2 threads) rotating over ``paths``; req/s, p50/p99 ms, errors.

    ``distinct``: each path at most once (the run fails if the list runs out)."""
    listing = tmp / "paths.txt"
    listing.write_text("".join(p + "\n" for p in paths))
    threads = min(2, clients)  # wrk needs a connection per thread
    cap = len(paths) // threads if distinct else 200_000
    env = {
        **os.environ,
        "WRK_PATHS": str(listing),
        "WRK_MAX": str(cap),
        "WRK_THREADS": str(threads),
    }
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{round(seconds)}s", "--timeout", "10s",
           "--latency", "-s", str(LUA), *[a for h in headers for a in ("-H", h)], base]  # fmt: skip
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60).stdout

    def ms(label: str) -> float:
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)\b", out)
        if not m:
            raise RuntimeError(f"unexpected wrk output:\n{out}")
        return float(m[1]) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m[2]]

    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s)", out)
    bad = re.search(r"bench: (\d+) responses not 200, (\d+) requests", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not (done and bad):
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    elapsed = float(done[2]) / (1000 if done[3] == "ms" else 1)
    count = int(bad[2])
    if distinct and count >= threads * cap:
        raise RuntimeError("the path list ran out: requests were not all distinct")
    return {
        "req_s": count / elapsed,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "errors": int(bad[1]) + (sum(int(g) for g in sock.groups()) if sock else 0),
    }


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    """Per-metric medians of several runs (errors summed)."""
    keys = ("req_s", "p50_ms", "p99_ms")
    med = {k: statistics.median(r[k] for r in runs) for k in keys}
    med["errors"] = sum(r["errors"] for r in runs)
    return med


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=6.0, help="per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians reported")
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    parser.add_argument(
        "--peer-nodelay",
        action="store_true",
        help="run pygeoapi with TCP_NODELAY on its workers' socket (bench/nodelay_uvicorn.py)",
    )
    args = parser.parse_args()
    for tool in ("wrk", str(PEERS / "uvicorn"), str(PEERS / "pygeoapi")):
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: see the docstring (apt-get install wrk; the peers venv)")
    clients_list = (10, 50)
    with ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tmp.mkdir(parents=True, exist_ok=True)
        settings = prepare(tmp)
        ours_port, pygeo_port = free_port(), free_port()
        ours = f"http://127.0.0.1:{ours_port}"
        stack.enter_context(
            server(
                [
                    str(Path(sys.executable).with_name("quantrac")),
                    "serve",
                    "--no-scheduler",
                    "--workers",
                    "2",
                    "--port",
                    str(ours_port),
                ],
                {
                    "QUANTRAC_DATA_DIR": str(settings.data_dir),
                    "QUANTRAC_AUTH_ENABLED": "false",
                    "QUANTRAC_ACCESS_LOG": "false",  # as the peers run (--no-access-log)
                },
                f"{ours}/healthz",
                tmp / "ours.log",
            )
        )
        # The peers serve exactly our features and our stored GeoTIFF.
        files = {
            "stations": tmp / "stations.geojson",
            "points163": tmp / "points163.geojson",
            "points10k": tmp / "points10k.geojson",
        }
        files["stations"].write_bytes(httpx.get(f"{ours}/api/stations", timeout=60).content)
        points = httpx.get(
            f"{ours}/ogc/collections/monitoring-points/items?limit=10000", timeout=60
        ).json()
        files["points10k"].write_text(json.dumps(points, ensure_ascii=False))
        demo = [f for f in points["features"] if not str(f["id"]).startswith("BENCH-")]
        files["points163"].write_text(
            json.dumps({"type": "FeatureCollection", "features": demo}, ensure_ascii=False)
        )
        cfg = pygeoapi_config(tmp, pygeo_port, files)
        pygeo = f"http://127.0.0.1:{pygeo_port}"
        stack.enter_context(
            server(
                [
                    str(PEERS / "python"),
                    str(ROOT / "bench" / "nodelay_uvicorn.py"),
                    "pygeoapi.starlette_app:APP",
                    "127.0.0.1",
                    str(pygeo_port),
                    "2",
                ]
                if args.peer_nodelay
                else [
                    str(PEERS / "uvicorn"),
                    "pygeoapi.starlette_app:APP",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(pygeo_port),
                    "--workers",
                    "2",
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                {
                    "PYGEOAPI_CONFIG": str(cfg),
                    "PYGEOAPI_OPENAPI": str(tmp / "pygeoapi-openapi.yml"),
                },
                f"{pygeo}/collections?f=json",
                tmp / "pygeoapi.log",
            )
        )
        bbox_q = [f"bbox={','.join(map(str, b))}&medium=groundwater&limit=100" for b in BBOXES]
        cases = {
            "stations GeoJSON /api/stations": [
                (ours, ["/api/stations"]),
                (pygeo, ["/collections/stations/items?f=json&limit=100"]),
            ],
            "stations OGC items": [
                (ours, ["/ogc/collections/stations/items?limit=100"]),
                (pygeo, ["/collections/stations/items?f=json&limit=100"]),
            ],
            "163 points, limit=163": [
                (ours, ["/ogc/collections/monitoring-points/items?limit=163"]),
                (pygeo, ["/collections/points163/items?f=json&limit=163"]),
            ],
            "10k points, bbox + medium=, limit=100": [
                (ours, [f"/ogc/collections/monitoring-points/items?{q}" for q in bbox_q]),
                (pygeo, [f"/collections/points10k/items?f=json&{q}" for q in bbox_q]),
            ],
        }
        # Check every URL answers and the bodies agree in size class before loading.
        for name, sides in cases.items():
            for base, paths in sides:
                r = httpx.get(base + paths[0], timeout=120)
                r.raise_for_status()
                print(f"# {name}: {base} {len(r.content)} bytes, "
                      f"{len(r.json()['features'])} features", file=sys.stderr)  # fmt: skip
        print(f"# uptime before: {os.getloadavg()}", file=sys.stderr)
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for run in range(args.runs):
            for clients in clients_list:
                for name, sides in cases.items():
                    for label, (base, paths) in zip(("ours", "peer"), sides, strict=True):
                        r = wrk(base, paths, args.seconds, clients, tmp)
                        results.setdefault((name, label, clients), []).append(r)
                print(f"# run {run + 1} clients {clients} load {os.getloadavg()}", file=sys.stderr)
        print(f"# uptime after: {os.getloadavg()}", file=sys.stderr)
        names = list(cases)
        print(
            "| case | clients | ours req/s | p50 ms | p99 ms | peer req/s | p50 ms | p99 ms "
            "| ratio |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for name in names:
            for clients in clients_list:
                o = median_of(results[(name, "ours", clients)])
                p = median_of(results[(name, "peer", clients)])
                errors = ""
                if o["errors"] + p["errors"]:
                    errors = f" ({o['errors']:.0f}/{p['errors']:.0f} errors)"
                print(
                    f"| {name} | {clients} | {o['req_s']:.0f} | {o['p50_ms']:.1f} | "
                    f"{o['p99_ms']:.1f} | {p['req_s']:.1f} | {p['p50_ms']:.1f} | "
                    f"{p['p99_ms']:.1f} | {o['req_s'] / p['req_s']:.1f}×{errors} |"
                )
        every = {
            f"{n} | {lb} | {c}": [round(r["req_s"], 1) for r in v]
            for (n, lb, c), v in results.items()
        }
        print("\nall runs (req/s): " + json.dumps(every, ensure_ascii=False))


if __name__ == "__main__":
    main()
