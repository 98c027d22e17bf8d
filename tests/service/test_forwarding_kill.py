"""The forwarding sender killed with SIGKILL in the middle of a stream of uploads, 10 times.

156 received files (13 demo stations x 12 five-minute slots) are queued for a pyftpdlib
"ministry" that answers each rename 20 ms late, so a run takes seconds. Each round starts
``quantrac forward send ministry --until-empty`` (every third round ``quantrac worker``, whose
scheduled job sends), waits until the ministry holds 1-5 more files, and SIGKILLs it. The kill
lands before, during or after an upload, between the rename and the stored receipt. After every
kill the ministry holds only complete files under their final names, each byte-identical; at
the end a clean run empties the queue and the ministry holds exactly the 156 files, each once,
with no temporary upload left beside them.

The commands are forked from the test process, which has already imported them (the CLI's
other commands, and their seconds of imports, are not loaded): real separate processes running
the ``forward`` and ``worker`` commands of the real typer app.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from service.bootstrap import import_stations
from service.database import make_engine
from service.settings import Settings
from service.sources_config import load_sources
from stations.forward.outbox import SENT
from stations.store.forward_tables import forward_outbox
from tests.fixtures.alerts.builders import wait_for
from tests.fixtures.faults.ftp import Faults, FaultyFtpServer
from tests.fixtures.forwarding import (
    MINISTRY_PASSWORD,
    MINISTRY_USER,
    expected_path,
    folder_sources,
    forward_file,
    held,
    models,
    temporary,
    write_slots,
)

ROOT = Path(__file__).resolve().parents[2]
KILLS = 10
pytestmark = [pytest.mark.slow, pytest.mark.ftp]


def _fork(argv: list[str], env: dict[str, str]) -> int:
    """Run ``quantrac <argv>`` in a child process; returns its pid."""
    import service.cli.core
    import service.cli.forward
    import service.worker.leader
    import service.worker.scheduler  # noqa: F401  (what `worker` imports when it starts)
    from service.cli.common import app

    pid = os.fork()
    if pid == 0:  # the child: become the command, never return into pytest
        code = 1
        try:
            os.environ.update(env)
            app(argv, prog_name="quantrac")
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


def _exit_code(pid: int) -> int:
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def _final(root: Path) -> dict[str, bytes]:
    files = held(root)
    return {p: d for p, d in files.items() if p not in temporary(files)}


def test_sigkill_of_the_sender_10_times_loses_and_duplicates_nothing(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.context import AppContext
    from service.worker.jobs.ingest import poll_source

    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    engine = make_engine(settings.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    facility = tmp_path / "facility"
    slots = [1796400000 + i * 300 for i in range(12)]  # 2026-12-04, local morning
    sent = write_slots(facility, models(engine), slots)
    faults = Faults(delays=10**6, delay_s=0.02)
    with FaultyFtpServer(
        tmp_path / "ministry", user=MINISTRY_USER, password=MINISTRY_PASSWORD, faults=faults
    ) as ministry:
        fwd_file = forward_file(tmp_path, ministry.port)
        sources = folder_sources(tmp_path, facility)
        ctx = AppContext(
            settings=settings.model_copy(
                update={"sources_file": sources, "forward_file": fwd_file}
            ),
            engine=engine,
        )
        assert poll_source(ctx, load_sources(sources).sources[0]).finished == len(sent) == 156
        expected = {expected_path(s, k, t, n): d for n, (s, k, t, d) in sent.items()}
        env = {
            "QUANTRAC_DATABASE_URL": settings.db_url,
            "QUANTRAC_DATA_DIR": str(settings.data_dir),
            "QUANTRAC_FORWARD_FILE": str(fwd_file),
            "TEST_MINISTRY_PASSWORD": MINISTRY_PASSWORD,
            "QUANTRAC_LOG_FORMAT": "text",
        }
        rng = random.Random(19)
        for round_ in range(1, KILLS + 1):
            before = len(_final(ministry.root))
            send = ["forward", "send", "ministry", "--until-empty"]
            pid = _fork(["worker"] if round_ % 3 == 0 else send, env)
            more = rng.randint(1, 5)
            try:
                wait_for(
                    lambda b=before, m=more: len(_final(ministry.root)) >= b + m,
                    timeout=60,
                    step=0.01,
                )
            finally:
                os.kill(pid, signal.SIGKILL)
            assert _exit_code(pid) == -signal.SIGKILL  # killed while still forwarding
            now_held = _final(ministry.root)
            assert len(now_held) < len(expected), "the kill came after the last file"
            # Only whole files, under their final names, byte for byte what we received.
            assert all(expected.get(p) == d for p, d in now_held.items())
        faults.delays = 0  # the last run need not be slow
        assert _exit_code(_fork(["forward", "send", "ministry", "--until-empty"], env)) == 0
    assert held(ministry.root) == expected  # every file once; no temporary upload left
    with engine.connect() as conn:
        states = list(conn.scalars(select(forward_outbox.c.state)))
    assert states == [SENT] * 156
    engine.dispose()
