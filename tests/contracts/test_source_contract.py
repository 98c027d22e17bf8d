"""The contract every registered source type must keep (service.source_types), against a real
server of its kind (tests/contracts/source_harness.py):

- ``list`` shows what is waiting and changes nothing; ``fetch`` returns the exact bytes;
- a file is acknowledged (moved/deleted) only after its batch committed: a failed batch leaves
  it for the next poll;
- a refused connection is retried with backoff and the poll then succeeds;
- a stalled server costs at most the configured timeout, then the file comes through;
- the credential never appears in logs, ``repr`` or errors.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from service.source_types import SOURCE_TYPES
from service.worker.jobs.ingest import RETRY_ON
from stations.sources.base import Fetched, PollResult, Source, poll, with_retries
from tests.contracts.source_harness import HARNESSES, SECRET, STALL_S, Harness, json_document

NAME = "LS_CONTRACT_KK01_20261205080000.json"
DATA = json_document("LS_CONTRACT_KK01", "20261205080000", 12.5)
TIMEOUT_S = 1.0

pytestmark = pytest.mark.ftp


@pytest.fixture(params=SOURCE_TYPES)
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    h = HARNESSES[request.param](tmp_path / "remote")
    yield h
    h.close()


def _retrying(
    source: Source,
    handle: Callable[[list[Fetched]], object],
    retries: int,
    sleep: Callable[[float], None] = lambda _s: None,
    backoff_s: float = 0,
) -> PollResult:
    """A poll with the job's retry policy (refused connections and timeouts are retried)."""
    return with_retries(
        lambda: poll(source, handle),
        retries=retries,
        backoff_s=backoff_s,
        retry_on=RETRY_ON,
        sleep=sleep,
        label=f"poll {source.id}",
    )


def _needs_failures(h: Harness) -> None:
    if not h.can_fail:
        pytest.skip("a local folder is never down and never stalls")


def test_list_and_fetch_change_nothing(harness: Harness) -> None:
    harness.put(NAME, DATA)
    source = harness.config(TIMEOUT_S).build()
    with source.session() as session:
        files = session.list()
        assert len(files) == 1
        assert session.fetch(files[0]) == DATA
        assert session.fetch(files[0]) == DATA  # fetching twice is allowed and harmless
    assert harness.waiting()  # nothing acknowledged without a commit


def test_acknowledged_only_after_commit(harness: Harness) -> None:
    harness.put(NAME, DATA)
    source = harness.config(TIMEOUT_S).build()

    def rollback(_batch: list[Fetched]) -> None:
        raise RuntimeError("database down")  # the transaction did not commit

    failed = poll(source, rollback)
    assert failed.finished == 0 and len(failed.failed) == 1
    assert harness.waiting()  # still there for the next poll
    got: list[bytes] = []
    done = poll(source, lambda batch: got.extend(data for _, data in batch))
    assert got == [DATA] and done.finished == 1
    assert bool(harness.waiting()) is not harness.consumes


def test_refused_connection_is_retried_with_backoff(harness: Harness) -> None:
    _needs_failures(harness)
    harness.put(NAME, DATA)
    source = harness.config(TIMEOUT_S).build()
    harness.down()
    waits: list[float] = []

    def backoff(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 2:
            harness.up()  # the server comes back during the second wait

    got: list[bytes] = []
    result = _retrying(source, lambda b: got.extend(d for _, d in b), 3, backoff, 0.01)
    assert waits == [0.01, 0.02]  # exponential
    assert got == [DATA] and result.finished == 1


def test_refused_for_good_raises_after_the_retries(harness: Harness) -> None:
    _needs_failures(harness)
    source = harness.config(TIMEOUT_S).build()
    harness.down()
    with pytest.raises(RETRY_ON):
        _retrying(source, lambda _b: None, retries=2)


def test_a_stall_costs_the_timeout_then_the_file_comes_through(harness: Harness) -> None:
    _needs_failures(harness)
    harness.put(NAME, DATA)
    source = harness.config(TIMEOUT_S).build()
    harness.stall_next()
    started = time.monotonic()
    with pytest.raises(RETRY_ON):
        poll(source, lambda _b: None)
    assert time.monotonic() - started < STALL_S  # the client gave up, it did not wait it out
    assert harness.waiting()
    got: list[bytes] = []
    poll(source, lambda batch: got.extend(d for _, d in batch))
    assert got == [DATA]


def test_credentials_never_logged(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness.put(NAME, DATA)
    cfg = harness.config(TIMEOUT_S)
    source = cfg.build()
    assert SECRET not in repr(cfg) and SECRET not in repr(source)
    assert SECRET not in str(cfg.model_dump())  # secrets are SecretStr in the configuration

    def rollback(_batch: list[Fetched]) -> None:
        raise RuntimeError("database down")

    poll(source, rollback)  # logs the failed batch with its traceback
    if harness.can_fail:
        harness.down()
        with pytest.raises(RETRY_ON) as failure:
            _retrying(source, lambda _b: None, retries=1)
        assert SECRET not in str(failure.value) and SECRET not in repr(failure.value)
    assert caplog.records  # something was logged, and none of it holds the secret
    assert SECRET not in caplog.text
