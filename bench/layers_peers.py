"""OGC API - Features items side by side with the strongest peers, in one run on one machine.

Sides (same 10,000 monitoring points, 2 worker processes each, no access log):

- ours: ``quantrac serve --no-scheduler --workers 2`` on SQLite (the default deployment) and,
  with ``--pg``, a second one on PostGIS;
- tipg (PostGIS, asyncpg pool) and pygeoapi's PostgreSQL provider over one ``points`` table
  loaded from our own answer (same ids, properties and coordinates; GiST index on the geometry,
  b-tree on ``medium``, ANALYZEd), both under uvicorn, pygeoapi with TCP_NODELAY
  (bench/nodelay_uvicorn.py) as tuned in bench/README.md;
- nginx serving our answer's bytes as a static file (the physical limit for that answer size);
- with ``--old-tree DIR``: ours from another checkout (e.g. the commit before the round) on
  its own SQLite database built by that checkout's code.

Cases, at 10 and 50 clients: ``limit=163`` (the first 163 points by id: every side returns the
same ids, checked before loading); the 10k bbox + ``medium=`` query over ``--bboxes`` distinct
random bboxes (uncached: no answer repeats within a run); the same query over 20 bboxes
(cached: our page cache answers). Load: wrk with bench/wrk_rotate.lua (as bench_layers.py).

Peers (benchmark-only venv, gitignored):

    uv pip install --python bench/.peers/venv/bin/python tipg geoalchemy2 psycopg2-binary

Usage: .venv/bin/python bench/layers_peers.py [--seconds 5] [--runs 3] [--pg] [--old-tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import numpy as np

# The tree whose code prepares the data (--prepare-only runs under another checkout).
ROOT = Path(os.environ.get("BENCH_TREE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent))

PG_ADMIN = os.environ.get(
    "QUANTRAC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"
)
PEERS = Path(__file__).resolve().parent / ".peers" / "venv" / "bin"
PROVINCE = (106.1, 21.35, 107.35, 22.45)
WAIT_S = 600  # a loaded 2-core machine can take minutes to start a server
CASES = ("163 points, limit=163", "10k bbox + medium= uncached", "10k bbox + medium= cached")


def prepare(data_dir: Path, database_url: str | None = None, points: int = 10_000) -> None:
    """Demo stations and 163 demo points plus synthetic ones: ``points`` points in all."""
    from layers.communes import load_province_outline
    from service.bootstrap import import_points, import_stations, prepare_database
    from service.settings import Settings
    from stations.store.sites import upsert_sites

    demo = ROOT / "stations" / "demo"
    extra = {"database_url": database_url} if database_url else {}
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data_dir,
        scheduler_enabled=False,
        auth_enabled=False,
        **extra,
    )
    engine = prepare_database(settings)
    import_stations(engine, demo / "stations.yaml")
    import_points(engine, demo / "points.csv")
    with engine.begin() as conn:
        upsert_sites(conn, synthetic_points(points - 163), 0)
    load_province_outline(engine, 0)
    engine.dispose()


def synthetic_points(n: int) -> list[Any]:
    """``n`` points spread over the province, media in turn (seeded: the same in every tree;
    bench_layers.py's generator, which imports this tree's code, cannot run under another)."""
    from stations.sites import Site

    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(106.1, 107.35, (2, n))
    media = ("surface_water", "groundwater", "ambient_air", "noise", "soil")
    return [
        Site(id=f"BENCH-{i:05d}", name=f"Điểm thử {i}", site_type="point", kind="point",
             medium=media[i % 5], lon=float(lon[i]), lat=float(lat[i]), synthetic=True)
        for i in range(n)
    ]  # fmt: skip


def fresh_database(name: str, postgis: bool = False) -> str:
    """Drop and create ``name`` on the PostGIS server; its psycopg URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    if postgis:
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION postgis"))
        engine.dispose()
    return url


def _sql_type(values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds <= {str}:
        return "text"
    if kinds == {bool}:
        return "boolean"
    if kinds <= {int}:
        return "bigint"
    if kinds <= {int, float}:
        return "double precision"
    return "jsonb"


def load_peer_table(url: str, features: list[dict[str, Any]]) -> list[str]:
    """Our features as a PostGIS table ``points`` (one column per property), as a DBA would
    index it for these queries; returns the property names."""
    import psycopg
    from psycopg.types.json import Jsonb

    names = [k for k in features[0]["properties"] if k != "id"]
    types = {k: _sql_type([f["properties"].get(k) for f in features]) for k in names}
    cols = ", ".join(f'"{k}" {types[k]}' for k in names)
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        conn.execute(
            f"CREATE TABLE points (id text PRIMARY KEY, {cols}, "
            "geom geometry(Point, 4326) NOT NULL)"
        )
        marks = ", ".join(["%s"] * (len(names) + 1))
        rows = []
        for f in sorted(features, key=lambda f: f["id"]):
            props = f["properties"]
            values = [
                Jsonb(props.get(k)) if types[k] == "jsonb" and props.get(k) is not None
                else props.get(k)
                for k in names
            ]  # fmt: skip
            lon, lat = f["geometry"]["coordinates"]
            rows.append((f["id"], *values, lon, lat))
        quoted = ", ".join(f'"{k}"' for k in names)
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO points (id, {quoted}, geom) "
                f"VALUES ({marks}, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                rows,
            )
        conn.execute("CREATE INDEX points_geom ON points USING gist (geom)")
        conn.execute("CREATE INDEX points_medium ON points (medium)")
        conn.execute("ANALYZE points")
    return names


def pygeoapi_pg_config(tmp: Path, port: int, pg_url: str) -> Path:
    """bench_layers' pygeoapi config with one PostgreSQL-provider collection ``points``."""
    from bench_layers import pygeoapi_config
    from sqlalchemy.engine import make_url

    dummy = tmp / "dummy.geojson"
    dummy.write_text(  # replaced below; pygeoapi reads one feature's fields to start
        '{"type":"FeatureCollection","features":[{"type":"Feature","id":"x","properties":'
        '{"id":"x"},"geometry":{"type":"Point","coordinates":[106.5,21.8]}}]}'
    )
    cfg = pygeoapi_config(tmp, port, {"points": dummy})
    config = json.loads(cfg.read_text())
    u = make_url(pg_url)
    provider = {
        "type": "feature",
        "name": "PostgreSQL",
        "data": {"host": u.host, "port": u.port, "dbname": u.database, "user": u.username,
                 "search_path": ["public"]},
        "id_field": "id",
        "table": "points",
        "geom_field": "geom",
    }  # fmt: skip
    config["resources"]["points"]["providers"] = [provider]
    cfg.write_text(json.dumps(config, ensure_ascii=False))
    openapi = tmp / "pygeoapi-openapi.yml"
    subprocess.run(
        [str(PEERS / "pygeoapi"), "openapi", "generate", str(cfg), "--output-file", str(openapi)],
        check=True,
        env={**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)},
        capture_output=True,
    )
    return cfg


NGINX_CONF = """
{user}worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    types {{ application/geo+json json; }}
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /healthz {{ return 200 "ok"; }}
    }}
}}
"""


def bboxes(n: int, seed: int = 20) -> list[tuple[float, float, float, float]]:
    """``n`` distinct bboxes a map user might send: random centres over the province, widths
    from a district (0.05°) to half the province (0.6°)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = PROVINCE
    cx, cy = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
    w, h = rng.uniform(0.05, 0.6, n), rng.uniform(0.05, 0.6, n)
    return [
        (round(x - a / 2, 5), round(y - b / 2, 5), round(x + a / 2, 5), round(y + b / 2, 5))
        for x, y, a, b in zip(cx, cy, w, h, strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians reported")
    parser.add_argument("--bboxes", type=int, default=20_000, help="distinct bboxes (uncached)")
    parser.add_argument("--pg", action="store_true", help="also run ours on PostGIS")
    parser.add_argument("--no-peers", action="store_true", help="ours (and --old-tree) only")
    parser.add_argument("--old-tree", type=Path, help="also run ours from this checkout")
    parser.add_argument("--keep", type=Path, help="keep the data and logs in this folder")
    args = parser.parse_args()
    if args.prepare_only:
        prepare(args.prepare_only)
        return
    # Imported only now: bench_layers puts this tree first on sys.path (--prepare-only must
    # build the other checkout's database with that checkout's code).
    from bench_layers import BBOXES, median_of, server, wrk

    from tests.layers.helpers import free_port

    clients_list = (10, 50)
    with ExitStack() as stack:
        tmp = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        tmp.mkdir(parents=True, exist_ok=True)
        quantrac = str(Path(sys.executable).with_name("quantrac"))
        ours_env = {"QUANTRAC_AUTH_ENABLED": "false", "QUANTRAC_ACCESS_LOG": "false"}
        bases: dict[str, str] = {}

        def start_ours(label: str, data_dir: Path, tree: Path, **env: str) -> None:
            port = free_port()
            bases[label] = f"http://127.0.0.1:{port}"
            cmd = [quantrac, "serve", "--no-scheduler", "--workers", "2", "--port", str(port)]
            full = {**ours_env, "QUANTRAC_DATA_DIR": str(data_dir), "PYTHONPATH": str(tree), **env}
            log = tmp / f"{label.replace(' ', '-')}.log"
            stack.enter_context(server(cmd, full, f"{bases[label]}/healthz", log, WAIT_S))

        prepare(tmp / "ours")
        start_ours("ours", tmp / "ours", ROOT)
        ours = bases["ours"]
        points = httpx.get(
            f"{ours}/ogc/collections/monitoring-points/items?limit=10000", timeout=60
        ).json()["features"]
        assert len(points) == 10_000, len(points)
        rotation = bboxes(args.bboxes)
        uncached = [f"bbox={','.join(map(str, b))}&medium=groundwater&limit=100" for b in rotation]
        cached = [f"bbox={','.join(map(str, b))}&medium=groundwater&limit=100" for b in BBOXES]
        queries = {CASES[0]: ["limit=163"], CASES[1]: uncached, CASES[2]: cached}
        paths: dict[str, dict[str, list[str]]] = {c: {} for c in CASES}
        for case, qs in queries.items():
            paths[case]["ours"] = [f"/ogc/collections/monitoring-points/items?{q}" for q in qs]
        if not args.no_peers:
            pg_url = fresh_database("bench_ogc_peers", postgis=True)
            load_peer_table(pg_url, points)
            tipg_port, pygeo_port, nginx_port = free_port(), free_port(), free_port()
            bases["tipg"] = f"http://127.0.0.1:{tipg_port}"
            stack.enter_context(
                server(
                    [str(PEERS / "uvicorn"), "tipg.main:app", "--host", "127.0.0.1", "--port",
                     str(tipg_port), "--workers", "2", "--log-level", "warning",
                     "--no-access-log"],
                    {"DATABASE_URL": pg_url.replace("+psycopg", ""),
                     "TIPG_DB_SCHEMAS": '["public"]'},
                    f"{bases['tipg']}/healthz",
                    tmp / "tipg.log",
                    WAIT_S,
                )
            )  # fmt: skip
            cfg = pygeoapi_pg_config(tmp, pygeo_port, pg_url)
            bases["pygeoapi PostgreSQL"] = f"http://127.0.0.1:{pygeo_port}"
            stack.enter_context(
                server(
                    [str(PEERS / "python"), str(ROOT / "bench" / "nodelay_uvicorn.py"),
                     "pygeoapi.starlette_app:APP", "127.0.0.1", str(pygeo_port), "2"],
                    {"PYGEOAPI_CONFIG": str(cfg),
                     "PYGEOAPI_OPENAPI": str(tmp / "pygeoapi-openapi.yml")},
                    f"{bases['pygeoapi PostgreSQL']}/collections?f=json",
                    tmp / "pygeoapi.log",
                    WAIT_S,
                )
            )  # fmt: skip
            for case, qs in queries.items():
                paths[case]["tipg"] = [
                    f"/collections/public.points/items?{q}&sortby=id" for q in qs
                ]
                paths[case]["pygeoapi PostgreSQL"] = [
                    f"/collections/points/items?f=json&{q}&sortby=id" for q in qs
                ]
            # nginx: the bytes of our answer to each case's first query, as one static file.
            www = tmp / "www"
            www.mkdir(exist_ok=True)
            for k, case in enumerate(CASES):
                body = httpx.get(ours + paths[case]["ours"][0], timeout=60).content
                (www / f"case{k}.json").write_bytes(body)
                paths[case]["nginx (same bytes)"] = [f"/case{k}.json?{q}" for q in queries[case]]
            conf = tmp / "nginx.conf"
            # as root, nginx's workers would run as nobody and not read the 0700 temp folder
            user = "user root;\n" if os.geteuid() == 0 else ""
            conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, port=nginx_port, root=www))
            bases["nginx (same bytes)"] = f"http://127.0.0.1:{nginx_port}"
            stack.enter_context(
                server(
                    ["nginx", "-c", str(conf), "-p", str(tmp), "-g", "daemon off;"],
                    {},
                    f"{bases['nginx (same bytes)']}/healthz",
                    tmp / "nginx.log",
                )
            )
        if args.pg:
            url = fresh_database("bench_ogc_ours")
            prepare(tmp / "ours-pg", url)
            start_ours("ours PostGIS", tmp / "ours-pg", ROOT, QUANTRAC_DATABASE_URL=url)
        if args.old_tree:
            old = args.old_tree.resolve()
            subprocess.run(
                [sys.executable, __file__, "--prepare-only", str(tmp / "old")],
                check=True,
                cwd=old,
                env={**os.environ, "BENCH_TREE": str(old), "PYTHONPATH": str(old)},
            )
            start_ours("ours old", tmp / "old", old)
        for label in bases:
            if label.startswith("ours"):
                for case, qs in queries.items():
                    paths[case][label] = [
                        f"/ogc/collections/monitoring-points/items?{q}" for q in qs
                    ]
        # Every side answers the same features: same ids for the first query of every case.
        for case in CASES:
            seen = {}
            for label, ps in paths[case].items():
                r = httpx.get(bases[label] + ps[0], timeout=120)
                r.raise_for_status()
                ids = [str(f["id"]) for f in r.json()["features"]]
                seen[label] = sorted(ids)
                print(f"# {case}: {label} {len(r.content)} bytes, {len(ids)} features",
                      file=sys.stderr)  # fmt: skip
            reference = seen["ours"]
            for label, ids in seen.items():
                if ids != reference:
                    sys.exit(f"{case}: {label} returns other features than ours")
        load_before = os.getloadavg()
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for run in range(args.runs):
            for clients in clients_list:
                for case in CASES:
                    for label, ps in paths[case].items():
                        r = wrk(bases[label], ps, args.seconds, clients, tmp)
                        results.setdefault((case, label, clients), []).append(r)
                print(f"# run {run + 1} clients {clients} load {os.getloadavg()}", file=sys.stderr)
        report(results, clients_list, load_before, median_of)


def report(results: dict[Any, Any], clients_list: Any, load_before: Any, median_of: Any) -> None:
    """Markdown table: every side's medians and ours ÷ that side."""
    print(f"load average before {load_before}, after {os.getloadavg()}")
    print("| case | clients | side | req/s | p50 ms | p99 ms | ours ÷ side |")
    print("|---|---|---|---|---|---|---|")
    for case in CASES:
        for clients in clients_list:
            ours = median_of(results[(case, "ours", clients)])
            for (c, label, n), runs in results.items():
                if c != case or n != clients:
                    continue
                m = median_of(runs)
                err = f" ({m['errors']:.0f} errors)" if m["errors"] else ""
                print(f"| {case} | {clients} | {label} | {m['req_s']:,.0f} | {m['p50_ms']:.1f} | "
                      f"{m['p99_ms']:.1f} | {ours['req_s'] / m['req_s']:.2f}×{err} |")  # fmt: skip
    every = {
        f"{c} | {lb} | {n}": [round(r["req_s"]) for r in v] for (c, lb, n), v in results.items()
    }
    print("\nall runs (req/s): " + json.dumps(every, ensure_ascii=False))


if __name__ == "__main__":
    main()
