"""Where the PostgreSQL server spends an ingest backfill's time, beside the fair COPY ceiling.

Usage: ``taskset -c 0 python bench/pg_ingest_phases.py --pg URL [--days 3] [--runs 5]``.

Each round runs, in fresh databases, ``ingest_batch`` over the bench's files (as
``bench_ingest.py --pg`` does) and then the fair ceiling (the same tuples COPYed, each naming
its file row). Printed per round: wall, client CPU and the server's CPU (read from /proc, so
the server must run on this machine), and for ingest the server CPU spent in each step of
the PostgreSQL path (the step's calls timed from the client, the ``COPY`` end's foreign-key
checks included in the readings step; /proc counts in 10 ms ticks, so a step's figure is
coarse). Medians at the end. On a busy machine compare the CPU columns, not the walls.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_ingest as bench

import stations.ingest.pg_batches as batches
import stations.ingest.pg_stream as stream
import stations.ingest.pipeline as pipeline
import stations.ingest.writer as writer

STEPS: list[tuple[Any, str]] = [
    (pipeline, "select_work"),
    (batches, "reserve_file_ids"),
    (batches, "copy_files"),
    (batches, "seed_from_history"),
    (batches, "stored_hours"),
    (stream, "any_stored"),
    (stream, "copy_new_readings"),
    (writer, "copy_new_hourly"),
    (writer, "refresh_hourly"),
    (batches, "refresh_latest"),
]


class Steps:
    """Server CPU seconds per wrapped step, for the backend of the connection it is given."""

    def __init__(self) -> None:
        self.server: dict[str, float] = defaultdict(float)
        self._tick = os.sysconf("SC_CLK_TCK")

    def _cpu(self, conn: Any) -> float:
        pid = conn.connection.driver_connection.info.backend_pid
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self._tick

    def wrap(self, module: Any, name: str) -> None:
        real: Callable[..., Any] = getattr(module, name)

        def timed(conn: Any, *args: Any, **kwargs: Any) -> Any:
            before = self._cpu(conn)
            try:
                return real(conn, *args, **kwargs)
            finally:
                self.server[name] += self._cpu(conn) - before

        setattr(module, name, timed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pg", required=True, help="PostgreSQL admin URL (SQLAlchemy form)")
    ap.add_argument("--days", type=float, default=3)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    steps = Steps()
    for module, name in STEPS:
        steps.wrap(module, name)
    tmp = Path(tempfile.mkdtemp())
    files = bench.demo_files(args.days, tmp)
    ours: list[tuple[float, float, float]] = []
    fair: list[tuple[float, float, float]] = []
    per_step: dict[str, list[float]] = defaultdict(list)
    for i in range(args.runs):
        steps.server.clear()
        load = Path("/proc/loadavg").read_text().split()[0]
        we, ce, stored, se = bench.end_to_end(bench.fresh_db(args.pg, tmp, f"ph{i}"), files, tmp)
        url = bench.fresh_db(args.pg, tmp, f"phfk{i}")
        wk, ck, sk = bench.ceiling(url, bench.with_file_ids(url, files))
        ours.append((we, ce, se))
        fair.append((wk, ck, sk))
        for name, seconds in steps.server.items():
            per_step[name].append(seconds)
        detail = ", ".join(f"{n} {s:.3f}" for n, s in steps.server.items() if s)
        print(
            f"round {i + 1} (load {load}): {stored:,} readings; ingest wall {we:.3f} s, client "
            f"{ce:.3f} s, server {se:.3f} s; fair ceiling wall {wk:.3f} s, client {ck:.3f} s, "
            f"server {sk:.3f} s; ratio {wk / we:.0%}\n  server by step: {detail}",
            flush=True,
        )
    med = statistics.median
    print(
        f"medians over {args.runs}: ingest wall {med(r[0] for r in ours):.3f} s, client "
        f"{med(r[1] for r in ours):.3f} s, server {med(r[2] for r in ours):.3f} s; fair ceiling "
        f"wall {med(r[0] for r in fair):.3f} s, server {med(r[2] for r in fair):.3f} s; ratio "
        f"{med(f[0] / o[0] for f, o in zip(fair, ours, strict=True)):.0%}"
    )
    print("server CPU by step (median s): " + ", ".join(
        f"{n} {med(v):.3f}" for n, v in per_step.items()
    ))  # fmt: skip


if __name__ == "__main__":
    main()
