"""Benchmark of the command line's start-up: ``quantrac --help``.

Usage: ``python bench/bench_cli.py [--runs 15]``. Runs ``quantrac --help`` (the installed
script next to this interpreter) ``runs`` times and, as the floor no CLI can beat, ``python -c
pass``; prints the median and minimum wall time and the CPU time (user + system) of each. The CPU
time is the steadier figure on a shared machine; the wall time is what a person waits.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def measure(cmd: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of ``runs`` runs of ``cmd``."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=os.environ)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    cli = str(Path(sys.executable).parent / "quantrac")
    for label, cmd in (("python -c pass", [sys.executable, "-c", "pass"]),
                       ("quantrac --help", [cli, "--help"])):  # fmt: skip
        walls, cpus = measure(cmd, runs)
        print(
            f"{label:16s} wall median {statistics.median(walls):.3f} s, min {min(walls):.3f} s; "
            f"CPU median {statistics.median(cpus):.3f} s ({runs} runs)"
        )


if __name__ == "__main__":
    main()
