"""The service killed with SIGKILL during ingest, 20 times at random moments (issue 9): on a
SQLite file 20 times, on PostGIS (the shared test server) 10 times to bound the suite's time.

Each round a slot's files (13 stations) arrive in a polled folder and ``quantrac serve`` (every
fourth round ``quantrac ingest --batch 4`` on the waiting files) runs as its own process until
it has committed something, then is SIGKILLed after a random 0-300 ms. After every kill:

- no partial file: each file's readings are all stored or none are (one transaction per file
  or batch), and a file is recorded in ``ingested_files`` exactly when its readings are stored;
- no file lost: every file moved to ``processed/`` is committed (it leaves the source only
  after commit).

Finally a clean ``quantrac serve`` drains the folder and every reading of every file written
is stored exactly once; re-ingesting everything stores nothing new.

The commands are forked from a process that has already imported the CLI
(tests/fixtures/faults/zygote.py): they are real separate processes running the real
commands, without paying seconds of imports 20 times.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, func, select

from service.bootstrap import import_stations
from service.database import make_engine
from stations.store.schema import ingested_files
from tests.fixtures.alerts.builders import free_port
from tests.fixtures.faults.corpus import (
    T_START,
    Corpus,
    assert_exactly_once,
    expected_keys,
    recorded_files,
    remaining,
    station_models,
    stored_keys,
    write_corpus,
)
from tests.fixtures.faults.forks import ForkServer

ROOT = Path(__file__).resolve().parents[2]
KILLS = {"sqlite": 20, "postgresql": 10}  # PostGIS: fewer, to keep the suite near 3 minutes
pytestmark = pytest.mark.slow


def _committed(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(ingested_files)) or 0)


def _wait(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _assert_consistent(engine: Engine, corpus: Corpus) -> None:
    """After a kill: files all-or-nothing, recorded iff stored, moved only if committed."""
    stored = stored_keys(engine)
    assert max(stored.values(), default=1) == 1
    recorded = set(recorded_files(engine))
    committed_names = set()
    for rel, data in corpus.files.items():
        keys = expected_keys([data], [rel])
        present = keys & set(stored)
        assert present in (set(), keys), f"partial file {rel}: {len(present)}/{len(keys)}"
        if present:
            committed_names.add(Path(rel).name)
    assert len(recorded) == len(committed_names)  # a file is recorded exactly when stored
    moved = {p.name for p in (corpus.root / "processed").rglob("*.txt")}
    assert moved <= committed_names, f"moved before commit: {sorted(moved - committed_names)}"


def test_sigkill_during_ingest_20_times_loses_nothing_and_stores_once(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    target = KILLS[engine.dialect.name]
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    models = station_models(engine)
    drop = tmp_path / "drop"
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        yaml.safe_dump(
            {
                "defaults": {"interval_seconds": 0.1, "retries": 0},
                "sources": [{"id": "drop", "type": "folder", "path": str(drop)}],
            }
        ),
        encoding="utf-8",
    )
    env = {
        "QUANTRAC_DATABASE_URL": db_url,
        "QUANTRAC_DATA_DIR": str(tmp_path / "data"),
        "QUANTRAC_SOURCES_FILE": str(sources),
        "QUANTRAC_AUTH_ENABLED": "false",
        "QUANTRAC_LOG_FORMAT": "text",
    }
    rng = random.Random(9)
    corpus = Corpus(root=drop, files={})
    kills, rounds, slot = 0, 0, 0
    log = tmp_path / "commands.log"
    with ForkServer(log, cwd=tmp_path) as forks:
        while kills < target:
            rounds += 1
            assert rounds <= 2 * target, f"only {kills} kills landed during ingest"
            new = write_corpus(drop, models, slots=1, start=T_START + slot * 300)
            slot += 1
            corpus = Corpus(root=drop, files={**corpus.files, **new.files})
            before = _committed(engine)
            if rounds % 4 == 0:
                waiting = [str(p) for p in remaining(drop)]
                forks.start(["ingest", "--batch", "4", *waiting], env)
            else:
                forks.start(["serve", "--port", str(free_port())], env)
            assert _wait(lambda b=before: _committed(engine) > b, timeout=60), log.read_text()
            time.sleep(rng.uniform(0, 0.3))
            forks.signal(signal.SIGKILL)
            if forks.wait() == -signal.SIGKILL:
                kills += 1
            _assert_consistent(engine, corpus)
        # restart cleanly: the folder drains, then a graceful stop
        forks.start(["serve", "--port", str(free_port())], env)
        assert _wait(lambda: not remaining(drop), timeout=60), len(remaining(drop))
        forks.signal(signal.SIGTERM)
        assert forks.wait() in (0, -signal.SIGTERM)  # uvicorn re-raises it after shutdown
        assert_exactly_once(engine, corpus)
        # re-running the ingest over every file ever sent stores nothing new
        everything = tmp_path / "everything"
        shutil.copytree(drop / "processed", everything)
        forks.start(["ingest", "--json", str(everything)], env)
        assert forks.wait() == 0
    text = log.read_text(encoding="utf-8")
    start = text.rindex("\n{\n") + 1
    summary = json.loads(text[start : text.index("\n}", start) + 2])
    assert (summary["readings"], summary["duplicates"]) == (0, len(corpus.files)), summary
    assert_exactly_once(engine, corpus)
    print(f"{kills} SIGKILLs in {rounds} rounds, {len(corpus.files)} files")
    engine.dispose()
