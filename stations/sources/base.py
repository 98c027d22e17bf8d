"""The source interface and the poll loop shared by every source type.

Contract for a :class:`SourceSession`:

- ``list()`` returns the files waiting now, oldest name first; it never changes the remote side.
- ``fetch(f)`` returns the bytes; it never removes the file.
- ``finish(f)`` moves the file to ``processed/`` or deletes it, and is called ONLY after the
  file's readings (or its quarantine record) are committed. A crash before ``finish`` means the
  file is fetched again at the next poll and recognised as a duplicate: nothing lost, nothing
  stored twice.
- ``tidy()`` (optional) removes what the source's own bookkeeping left behind (a folder
  source: empty, long-untouched upload folders); called at most once an hour, after a poll.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

SKIP_SUFFIXES = (".tmp", ".part", ".filepart", ".reason.txt")


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """A file waiting at a source: ``path`` relative to the source root, ``name`` its basename."""

    path: str
    name: str
    size: int | None = None


class SourceSession(Protocol):
    """An open connection to a source (see the module docstring for the contract)."""

    def list(self) -> list[RemoteFile]:
        """Files waiting now."""
        ...

    def fetch(self, f: RemoteFile) -> bytes:
        """The bytes of one file."""
        ...

    def finish(self, f: RemoteFile) -> None:
        """Move or delete a file whose outcome is committed."""
        ...


class Source(Protocol):
    """A configured source; ``session()`` opens a connection for one poll."""

    id: str

    def session(self) -> AbstractContextManager[SourceSession]:
        """Open a connection (a context manager that closes it)."""
        ...


def waiting(name: str) -> bool:
    """True for names a poll should take (not temporary uploads, hidden or reason files)."""
    return not name.startswith(".") and not name.lower().endswith(SKIP_SUFFIXES)


@dataclass(slots=True)
class PollResult:
    """What one poll did."""

    listed: int = 0
    fetched: int = 0
    finished: int = 0
    failed: list[str] = field(default_factory=list)


Fetched = tuple[RemoteFile, bytes]


@dataclass(frozen=True, slots=True)
class Backlog:
    """How a poll drains more files than one batch: in batches of up to ``files`` files, each
    closed early once it holds ``max_bytes`` or its fetching has taken ``fetch_s`` seconds
    (memory stays bounded, and a slow source still commits, and chains, every few seconds)."""

    files: int
    max_bytes: int
    fetch_s: float


def poll(
    source: Source,
    handle: Callable[[list[Fetched]], object],
    *,
    max_files: int = 1000,
    batch_files: int = 1,
    backlog: Backlog | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PollResult:
    """List, fetch up to ``batch_files`` files, hand them to ``handle`` (which commits them
    together), then ``finish`` each; repeat until ``max_files`` are done. When more than
    ``batch_files`` are waiting and ``backlog`` is given, batches follow its bounds instead:
    a backlog pays the fixed cost of a transaction per thousands of files, not per hundred.

    ``handle`` raising leaves its files at the source for the next poll. A failed batch is
    retried in batches of ``batch_files``, and a failed one of those file by file, so one bad
    file cannot hold back the others.
    """
    result = PollResult()
    small = max(1, batch_files)
    with source.session() as session:
        files = session.list()
        result.listed = len(files)
        todo = files[:max_files]
        drain = backlog if backlog is not None and len(todo) > small else None
        cap = max(small, drain.files) if drain else small
        i = 0
        while i < len(todo):
            batch: list[Fetched] = []
            held, started = 0, clock()
            while i < len(todo) and len(batch) < cap:
                data = session.fetch(todo[i])
                batch.append((todo[i], data))
                i += 1
                result.fetched += 1
                held += len(data)
                if drain and (held >= drain.max_bytes or clock() - started >= drain.fetch_s):
                    break
            for f in _handle(source, handle, batch, result, small):
                session.finish(f)
                result.finished += 1
        tidy = getattr(session, "tidy", None)
        if tidy is not None and _tidy_due(source.id):
            removed = tidy()
            if removed:
                log.info("source %s: removed %d empty upload folders", source.id, removed)
    return result


_TIDY_EVERY_S = 3600.0
_tidied: dict[str, float] = {}


def _tidy_due(source_id: str) -> bool:
    """True at most once an hour per source (sources are rebuilt for every poll)."""
    now = time.monotonic()
    if now - _tidied.get(source_id, -_TIDY_EVERY_S) < _TIDY_EVERY_S:
        return False
    _tidied[source_id] = now
    return True


def _handle(
    source: Source,
    handle: Callable[[list[Fetched]], object],
    batch: list[Fetched],
    result: PollResult,
    small: int,
) -> list[RemoteFile]:
    """Files of ``batch`` whose outcome is committed (all of them, or those that pass in
    smaller batches: a backlog batch is retried in batches of ``small``, those file by file)."""
    try:
        handle(batch)
        return [f for f, _ in batch]
    except Exception:
        if len(batch) > 1:
            step = small if len(batch) > small else 1
            log.warning(
                "source %s: batch of %d files failed; retrying %s",
                source.id,
                len(batch),
                f"in batches of {step}" if step > 1 else "one by one",
                exc_info=True,
            )
            done: list[RemoteFile] = []
            for k in range(0, len(batch), step):
                done += _handle(source, handle, batch[k : k + step], result, small)
            return done
        log.exception(
            "source %s: %s not ingested; left for the next poll", source.id, batch[0][0].path
        )
        result.failed.append(batch[0][0].path)
        return []


def with_retries(
    fn: Callable[[], T],
    *,
    retries: int,
    backoff_s: float,
    retry_on: tuple[type[BaseException], ...] = (OSError, EOFError),
    sleep: Callable[[float], None] = time.sleep,
    label: str = "",
) -> T:
    """Call ``fn``; on a connection error retry up to ``retries`` times, waiting
    ``backoff_s``, ``2 * backoff_s``, ``4 * backoff_s``... between attempts."""
    attempt = 0
    while True:
        try:
            return fn()
        except retry_on as exc:
            if attempt >= retries:
                raise
            wait = backoff_s * 2**attempt
            log.warning(
                "%s failed (%s); retry %d/%d in %.1fs",
                label,
                type(exc).__name__,
                attempt + 1,
                retries,
                wait,
            )
            sleep(wait)
            attempt += 1


__all__ = [
    "Backlog",
    "Fetched",
    "PollResult",
    "RemoteFile",
    "Source",
    "SourceSession",
    "poll",
    "waiting",
    "with_retries",
]
