"""Ingest benchmark modes beyond the empty-table backfill (issue 20): prior data, live polling.

``sizes``: for each size, a template database holding that many days of prior data (readings,
their ``ingested_files`` rows, hourly means and latest values, bulk-loaded with one raw
``executemany`` per table) is written once; each repeat copies it twice and times, interleaved,
``ingest_batch`` of the timed files (the days right after the prior data) into one copy and the
executemany ceiling of the same reading tuples into the other (same prior data, schema and
indexes).

``live``: the polling job itself (``service.worker.jobs.ingest.poll_source``) over a source
whose files wait in memory: the files taken as polls of N files, each poll in batches of the
source's 100 files per transaction (a poll finding more waiting drains them in the backlog's
larger batches), the raw files archived and fsynced before each commit, and the runtime's
after-ingest chain (:mod:`service.worker.after_ingest`) paced by the job's own rule (after each
poll, and every ``CHAIN_EVERY_S`` during a long one); polls of 100 files run the chain after
every batch. Against the ceiling on a fresh database, interleaved. As in the server, the job's
engine lives across runs (its statements compiled once, by an untimed warm-up poll) and the
heap held before each timed region is frozen.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_ingest import BATCH, NOW, ceiling, fresh_db, settle_heap
from sqlalchemy import Engine, func, select

from service.auth.observability import TEXT_FORMAT
from service.database import make_engine
from service.runtime import Runtime
from service.settings import Settings
from service.source_types.folder import FolderSourceConfig
from service.worker.jobs.ingest import poll_source
from service.worker.jobs.poll_timing import PollTiming
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.parsers import ParserOptions, parse
from stations.parsers.common import local_stamp
from stations.sources.base import RemoteFile
from stations.store.readings import ROWS_PER_INSERT, station_units
from stations.store.schema import readings

LIVE_BATCH = 100


def _file_rows(files: list[IncomingFile]) -> list[list[tuple[Any, ...]]]:
    return [list(parse(f.data, f.name, "tt10", ParserOptions()).readings) for f in files]


def _prior(
    per_file: list[list[tuple[Any, ...]]], span_s: int, prior_s: int
) -> Iterator[tuple[int, int, list[tuple[Any, ...]]]]:
    """``(shift index, file index, shifted rows)`` covering ``prior_s`` before the batch."""
    start = min(r[2] for rows in per_file for r in rows)
    for k in range(1, -(-prior_s // span_s) + 1):
        for j, rows in enumerate(per_file):
            shifted = [(a, b, t - k * span_s, *rest) for a, b, t, *rest in rows]
            if shifted and shifted[0][2] >= start - prior_s:
                yield k, j, shifted


def load_prior(url: str, per_file: list[list[tuple[Any, ...]]], span_s: int, days: int) -> int:
    """Bulk-load ``days`` of prior data into the database at ``url``; returns readings."""
    db = sqlite3.connect(url.removeprefix("sqlite:///"))
    db.execute("PRAGMA cache_size=-262144")
    n_readings = 0
    file_rows, reading_rows = [], []
    next_id = 1 + (db.execute("SELECT coalesce(max(id), 0) FROM ingested_files").fetchone()[0])

    def flush() -> None:
        db.executemany(
            "INSERT INTO ingested_files (id, sha256, name, origin, station_id, received_at, "
            "size, outcome, readings, line_errors) VALUES (?,?,?,?,?,?,?,?,?,'[]')",
            file_rows,
        )
        db.executemany("INSERT INTO readings VALUES (?,?,?,?,?,?,?,?)", reading_rows)
        file_rows.clear()
        reading_rows.clear()

    for k, j, rows in _prior(per_file, span_s, days * 86400):
        # named as the station's datalogger names it, so the name index holds them where
        # a real history's files would be (the batch's files come after them)
        name = f"{rows[0][0]}_{local_stamp(max(r[2] for r in rows))}.txt"
        sha = hashlib.sha256(f"{name}:{k}:{j}".encode()).hexdigest()
        file_rows.append((next_id, sha, name, "bench", rows[0][0], NOW, 500, "ok", len(rows)))
        reading_rows.extend((*r, 0, next_id) for r in rows)
        n_readings += len(rows)
        next_id += 1
        if len(reading_rows) > 200_000:
            flush()
    flush()
    hour = "observed_at - observed_at % 3600"
    db.execute(
        "INSERT INTO hourly_means SELECT station_id, parameter, "
        f"{hour}, avg(value), min(value), max(value), count(*), count(*), max(unit) "
        f"FROM readings GROUP BY station_id, parameter, {hour}"
    )
    db.execute(
        "INSERT INTO latest_values SELECT station_id, parameter, max(observed_at), value, unit, "
        "status, qc_flags FROM readings GROUP BY station_id, parameter"
    )
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return n_readings


def _copy(template: str, tmp: Path, tag: str) -> str:
    path = tmp / f"{tag}.db"
    shutil.copyfile(template.removeprefix("sqlite:///"), path)
    with path.open("rb+") as fh:  # on disk now, so no checkpoint in the timed region flushes it
        os.fsync(fh.fileno())
    return f"sqlite:///{path}"


def _timed(url: str, files: list[IncomingFile], batch: int, **kw: Any) -> tuple[float, float, int]:
    """Wall, CPU seconds and readings stored for ``ingest_batch`` over ``files``."""
    engine = make_engine(url)
    with engine.connect() as conn:
        sites = station_units(conn)
    settle_heap()  # as ``quantrac ingest`` does before its first batch
    w0, c0 = time.perf_counter(), time.process_time()
    stored = 0
    for i in range(0, len(files), batch):
        stored += ingest_batch(engine, files[i : i + batch], sites=sites, now=NOW, **kw).stored
    w1, c1 = time.perf_counter(), time.process_time()
    engine.dispose()
    return w1 - w0, c1 - c0, stored


def _report(label: str, n: int, runs: list[tuple[float, float, float, float]]) -> dict[str, Any]:
    med = statistics.median
    out = {
        "label": label,
        "readings": n,
        "e2e_wall": med(n / r[0] for r in runs),
        "e2e_cpu": med(n / r[1] for r in runs),
        "ceil_wall": med(n / r[2] for r in runs),
        "ceil_cpu": med(n / r[3] for r in runs),
        "ratio": med(r[2] / r[0] for r in runs),
        "ratio_cpu": med(r[3] / r[1] for r in runs),
    }
    print(
        f"| {label} | {n:,} | {out['e2e_wall']:,.0f} · {out['e2e_cpu']:,.0f} | "
        f"{out['ceil_wall']:,.0f} · {out['ceil_cpu']:,.0f} | {out['ratio']:.0%} "
        f"| {out['ratio_cpu']:.0%} |",
        flush=True,
    )
    return out


def _rows(per_file: list[list[tuple[Any, ...]]]) -> list[tuple[Any, ...]]:
    return [(*r, 0, None) for rows in per_file for r in rows]


def sizes(files: list[IncomingFile], tmp: Path, prior_days: list[int], repeats: int) -> None:
    """Per-size rows: the timed batch on top of N days of prior data vs the same-size ceiling."""
    per_file = _file_rows(files)
    rows = _rows(per_file)
    times = [r[2] for r in rows]
    span = -(-(max(times) - min(times)) // 86400) * 86400
    for days in prior_days:
        template = fresh_db(None, tmp, f"prior{days}")
        t0 = time.perf_counter()
        n_prior = load_prior(template, per_file, span, days)
        print(
            f"  {days} days prior: {n_prior:,} readings loaded in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
        runs = []
        for i in range(repeats):
            e2e = _copy(template, tmp, "e2e")
            we, ce, stored = _timed(e2e, files, BATCH, archive_dir=tmp / "archive")
            assert stored == len(rows), (stored, len(rows))
            wc, cc, _ = ceiling(_copy(template, tmp, "ceil"), rows)
            wm, _, _ = ceiling(_copy(template, tmp, "ceilm"), rows, ROWS_PER_INSERT)
            runs.append((we, ce, wc, cc))
            print(
                f"  run {i + 1}: ratio {wc / we:.0%} (CPU {cc / ce:.0%}); to the ceiling in "
                f"{ROWS_PER_INSERT}-row statements ({len(rows) / wm:,.0f}/s) {wm / we:.0%}",
                file=sys.stderr,
            )
        _report(f"SQLite, {days} days prior ({n_prior:,} readings)", len(rows), runs)
        for p in tmp.glob("*.db*"):
            if p.name.startswith(("prior", "e2e", "ceil")):
                p.unlink()


@dataclass
class _Waiting:
    """A source whose files wait in memory: the bench times the job, not a network."""

    id: str
    files: list[IncomingFile]

    @contextmanager
    def session(self) -> Iterator[_Waiting]:
        yield self

    def list(self) -> list[RemoteFile]:
        return [RemoteFile(f.name, f.name, len(f.data)) for f in self.files]

    def fetch(self, f: RemoteFile) -> bytes:
        return self.data[f.name]

    def finish(self, f: RemoteFile) -> None:
        del self.data[f.name]

    def __post_init__(self) -> None:
        self.data = {f.name: f.data for f in self.files}


@contextmanager
def server_logging(tmp: Path) -> Iterator[Path]:
    """Log as ``quantrac serve`` does (INFO, its text lines) into a file: the polling job's
    lines are part of what the live path costs (one per file took 11–20 % of a backlog's time)."""
    handler = logging.FileHandler(tmp / "service.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield tmp / "service.log"
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        handler.close()


class _LiveDatabase:
    """A fresh database for each run at one address, behind one engine for the whole bench.

    The server keeps one engine for its lifetime, so SQLAlchemy compiles each statement of the
    polling job and its chain once per process; an engine per run made every run pay that
    compilation again (15 % of the chain's time in py-spy). ``dispose`` closes the pooled
    connections before the database is replaced; the engine and its compiled statements stay."""

    def __init__(self, pg: str | None, tmp: Path) -> None:
        self.pg, self.tmp = pg, tmp
        self.engine: Engine | None = None

    def fresh(self) -> tuple[str, Engine]:
        if self.engine is not None:
            self.engine.dispose()
        for p in self.tmp.glob("live.db*"):
            p.unlink()
        url = fresh_db(self.pg, self.tmp, "live")
        if self.engine is None:
            self.engine = make_engine(url)
        return url, self.engine


def _timed_polls(
    db: _LiveDatabase, files: list[IncomingFile], poll_files: int, data_dir: Path
) -> tuple[float, float, int, PollTiming]:
    """Wall, CPU, readings stored and the job's own timing for ``files`` taken as polls of
    ``poll_files`` (0: one poll) by ``service.worker.jobs.ingest.poll_source`` itself (batches
    of the source's 100 files, or the backlog's larger ones; archive fsynced before each commit;
    the runtime's chain paced by the job), into a fresh database."""
    url, engine = db.fresh()
    rt = Runtime(Settings(database_url=url, data_dir=data_dir), engine)
    cfg = FolderSourceConfig(id="bench", type="folder", batch_files=LIVE_BATCH, retries=0)
    timing = PollTiming()
    step = poll_files or len(files)
    settle_heap()  # the jobs run in the server's process, whose start-up heap is frozen
    w0, c0 = time.perf_counter(), time.process_time()
    for p in range(0, len(files), step):
        result = poll_source(rt, cfg, source=_Waiting("bench", files[p : p + step]), timing=timing)
        assert not result.failed, result.failed
    w1, c1 = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(readings)) or 0
    return w1 - w0, c1 - c0, stored, timing


def _warm_job(
    files: list[IncomingFile], pg: str | None, tmp: Path
) -> tuple[list[IncomingFile], _LiveDatabase]:
    """The files as a source names them, and the job's database after an untimed poll: a
    server that has polled before has compiled the job's statements."""
    live_files = [IncomingFile(f.name, f.data, f"bench:{f.name}") for f in files]
    db = _LiveDatabase(pg, tmp)
    _timed_polls(db, live_files[: 3 * LIVE_BATCH], 0, tmp / "warm-up")
    return live_files, db


def live(
    files: list[IncomingFile],
    tmp: Path,
    repeats: int,
    pg: str | None,
    poll_sizes: tuple[int, ...] = (LIVE_BATCH,),
) -> None:
    """The polling path (100 files a transaction, archive fsynced, after-ingest chain paced as
    the polling job paces it), one row per poll size, each interleaved with the ceiling."""
    rows = _rows(_file_rows(files))
    hundreds = len(files) / LIVE_BATCH
    live_files, db = _warm_job(files, pg, tmp)
    for size in poll_sizes:
        runs = []
        for i in range(repeats):
            data_dir = tmp / f"live-data{size}_{i}"
            we, ce, stored, timing = _timed_polls(db, live_files, size, data_dir)
            assert stored == len(rows), (stored, len(rows))
            wc, cc, _ = ceiling(fresh_db(pg, tmp, f"lceil{size}_{i}"), rows)
            runs.append((we, ce, wc, cc))
            steps = timing.steps
            chain = sum(steps.values())
            per_step = " ".join(f"{k} {v / hundreds * 1e3:.1f}" for k, v in steps.items())
            print(
                f"  live run {i + 1} (polls of {size or len(files)} files): ratio {wc / we:.0%} "
                f"(CPU {cc / ce:.0%}); {timing.batches} transactions; per {LIVE_BATCH} files: "
                f"{we / hundreds * 1e3:.1f} ms wall, {ce / hundreds * 1e3:.1f} ms CPU, chain "
                f"{chain / hundreds * 1e3:.1f} ms wall ({timing.chains} runs: {per_step} ms)",
                file=sys.stderr,
            )
            shutil.rmtree(data_dir, ignore_errors=True)
        polls = f"polls of {size} files" if size else "one poll (backlog)"
        _report(f"{'PostGIS' if pg else 'SQLite'}, live polling, {polls}", len(rows), runs)
    if db.engine is not None:
        db.engine.dispose()


# --- sustained arrivals: the polling job fed at a steady rate --------------------------------


class _Arriving(_Waiting):
    """A source whose files appear at their arrival times (wall clock), as dataloggers'
    uploads land in an FTP folder; it notes the longest listing a poll found."""

    def __init__(self, files: list[IncomingFile], arrival: list[float]) -> None:
        super().__init__("bench", files)
        self.arrival = arrival
        self.visible = 0  # files[:visible] have arrived
        self.waiting: dict[str, RemoteFile] = {}  # arrived, not yet taken (in arrival order)
        self.largest_listing = 0

    def list(self) -> list[RemoteFile]:
        now = time.perf_counter()
        while self.visible < len(self.files) and self.arrival[self.visible] <= now:
            f = self.files[self.visible]
            self.waiting[f.name] = RemoteFile(f.name, f.name, len(f.data))
            self.visible += 1
        self.largest_listing = max(self.largest_listing, len(self.waiting))
        return list(self.waiting.values())

    def finish(self, f: RemoteFile) -> None:
        super().finish(f)
        del self.waiting[f.name]

    @property
    def done(self) -> bool:
        return self.visible == len(self.files) and not self.waiting


@dataclass
class _Clock:
    """When each file's batch committed, and when each chain run ended (perf_counter)."""

    committed: dict[str, float]
    chain_ends: list[float]


def _clocked(clock: _Clock) -> tuple[Any, Any]:
    """A wrapper of the job's ``ingest_batch`` that notes each batch's commit, and a last
    chain step that notes when the chain ended: the bench reads the job's own timeline."""
    from service.worker.after_ingest import AfterIngestStep

    def batch(engine: Engine, files: list[IncomingFile], **kw: Any) -> Any:
        result = ingest_batch(engine, files, **kw)
        now = time.perf_counter()
        for f in files:
            clock.committed[f.name] = now
        return result

    return batch, AfterIngestStep(
        "bench-clock", lambda _rt, _s: clock.chain_ends.append(time.perf_counter())
    )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _sustained_run(
    db: _LiveDatabase,
    files: list[IncomingFile],
    per_file: list[int],
    rate: float,
    interval: float,
    data_dir: Path,
) -> dict[str, Any]:
    """Files arriving at ``rate`` readings/s, polled by ``poll_source`` on the scheduler's
    rule (every ``interval`` s; a poll that overran is followed at once, missed runs
    coalesced); the lag of each file from arrival to its commit and to the end of the chain
    run that followed its commit."""
    import bisect
    import math

    import service.worker.jobs.ingest as job

    url, engine = db.fresh()
    rt = Runtime(Settings(database_url=url, data_dir=data_dir), engine)
    clock = _Clock({}, [])
    wrapped, step = _clocked(clock)
    rt.steps = (*rt.steps, step)
    cfg = FolderSourceConfig(id="bench", type="folder", batch_files=LIVE_BATCH, retries=0)
    timing = PollTiming()
    settle_heap()
    t0 = time.perf_counter() + 0.05
    arrival, seen = [], 0
    for n in per_file:  # each file lands once the readings before it have had their time
        arrival.append(t0 + seen / rate)
        seen += n
    source = _Arriving(files, arrival)
    real, job.ingest_batch = job.ingest_batch, wrapped  # type: ignore[assignment]
    polls, tick = 0, 0
    try:
        while not source.done:
            wait = t0 + tick * interval - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            result = poll_source(rt, cfg, source=source, timing=timing)  # type: ignore[arg-type]
            assert not result.failed, result.failed
            polls += 1
            ended = time.perf_counter()
            missed = math.floor((ended - t0) / interval)
            tick = missed if missed > tick else tick + 1  # overran: at once, coalesced
    finally:
        job.ingest_batch = real  # type: ignore[assignment]
    end = time.perf_counter()
    stored_lag, chain_lag = [], []
    for f, at in zip(files, arrival, strict=True):
        committed = clock.committed[f.name]
        stored_lag.append(committed - at)
        chain_lag.append(clock.chain_ends[bisect.bisect_left(clock.chain_ends, committed)] - at)
    quarter = len(files) // 4
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(readings)) or 0
    steps = " ".join(f"{k} {v:.2f}" for k, v in timing.steps.items())
    print(
        f"  {rate:,.0f} readings/s: storing {timing.store_s:.2f} s, chain {steps} s, whole "
        f"polls {timing.total_s:.2f} s of {end - t0:.2f} s",
        file=sys.stderr,
    )
    return {
        "stored": stored,
        "seconds": end - t0,
        "polling": timing.total_s,
        "polls": polls,
        "batches": timing.batches,
        "chains": timing.chains,
        "largest": source.largest_listing,
        "stored_p50": _pct(stored_lag, 0.5),
        "chain_p50": _pct(chain_lag, 0.5),
        "chain_p99": _pct(chain_lag, 0.99),
        "chain_max": max(chain_lag),
        "chain_p99_quarters": [
            _pct(chain_lag[q * quarter : (q + 1) * quarter], 0.99) for q in range(4)
        ],
    }


def sustained(
    files: list[IncomingFile], tmp: Path, repeats: int, fractions: list[float], interval: float
) -> None:
    """The polling job fed continuously: for each fraction ``f``, files arrive at ``f`` times
    the ceiling's rate (measured on a fresh database just before, the same rows in one
    transaction), and the job polls every ``interval`` s as the scheduler runs it. A job that
    keeps up ends soon after the last arrival with a lag that does not climb; one fed faster
    than it can store falls behind, and its rate while polling is then its capacity."""
    parsed = _file_rows(files)
    per_file = [len(rows) for rows in parsed]
    rows = _rows(parsed)
    live_files, db = _warm_job(files, None, tmp)
    print(
        "| arrivals (share of the ceiling's rate) | ceiling readings/s (wall) | arrivals "
        "readings/s | job's readings/s while polling | its share of the ceiling | time polling "
        "/ run | polls · transactions · chain runs | largest listing, files | lag to commit "
        "p50 | lag through the chain p50 · p99 · max | chain p99 by quarter of the files |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for fraction in fractions:
        for i in range(repeats):
            wc, _cc, _ = ceiling(fresh_db(None, tmp, f"sceil{i}"), rows)
            for p in tmp.glob("sceil*"):
                p.unlink()
            rate = fraction * len(rows) / wc
            data_dir = tmp / f"sustained{fraction}_{i}"
            r = _sustained_run(db, live_files, per_file, rate, interval, data_dir)
            shutil.rmtree(data_dir, ignore_errors=True)
            assert r["stored"] == len(rows), (r["stored"], len(rows))
            polling = len(rows) / r["polling"]  # the job's rate while it runs
            quarters = " · ".join(f"{q:.2f}" for q in r["chain_p99_quarters"])
            print(
                f"| {fraction:.0%} (run {i + 1}) | {len(rows) / wc:,.0f} | {rate:,.0f} "
                f"| {polling:,.0f} | {polling * wc / len(rows):.0%} "
                f"| {r['polling']:.2f} / {r['seconds']:.2f} s | {r['polls']} · "
                f"{r['batches']} · {r['chains']} | {r['largest']:,} | {r['stored_p50']:.2f} s "
                f"| {r['chain_p50']:.2f} · {r['chain_p99']:.2f} · {r['chain_max']:.2f} s "
                f"| {quarters} s |",
                flush=True,
            )
    if db.engine is not None:
        db.engine.dispose()
