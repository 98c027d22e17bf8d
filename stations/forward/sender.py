"""Send a destination's due files: temporary name, size check, rename, receipt.

For each file: if the final name already holds a file of the same size (a previous attempt
renamed it but crashed before the receipt was stored), the receipt is taken without uploading
again; otherwise upload under a fixed hidden temporary name, check its size and rename it over
the final name. Only then is the receipt committed. So a crash anywhere
leaves either nothing at the final name or the complete file, and a resend never makes a second
copy. Each receipt commits on its own, so a kill loses at most the one file in flight, which the
next run confirms or sends again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import Engine

from stations.forward import outbox
from stations.forward.content import file_bytes
from stations.forward.route import Route, temp_path
from stations.forward.transport import PermanentError, TransientError, Transport

log = logging.getLogger(__name__)
PATHS_KEPT = 10_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Back-off doubling from ``backoff_s`` up to ``max_backoff_s``; a file refused permanently
    ``max_attempts`` times becomes a dead letter (transient failures never do)."""

    max_attempts: int = 10
    backoff_s: int = 30
    max_backoff_s: int = 3600

    def retry_at(self, attempts: int, now: int) -> int:
        """When to try again after ``attempts`` failures."""
        return now + int(min(self.max_backoff_s, self.backoff_s * 2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class SendResult:
    """What one run did."""

    sent: int = 0  # uploaded and confirmed
    present: int = 0  # already at the destination: receipt taken without uploading
    retrying: int = 0
    dead: int = 0
    error: str | None = None  # why the run stopped early (destination down...)
    paths: list[str] = field(default_factory=list)  # confirmed, in order (the first PATHS_KEPT)

    @property
    def progressed(self) -> bool:
        """True when some file left the queue (confirmed or dead-lettered)."""
        return bool(self.sent or self.present or self.dead)

    def add(self, other: SendResult) -> None:
        """Fold a later run into this one."""
        self.sent += other.sent
        self.present += other.present
        self.retrying += other.retrying
        self.dead += other.dead
        self.error = other.error
        self.paths += other.paths[: max(0, PATHS_KEPT - len(self.paths))]


def place(t: Transport, final: str, data: bytes) -> bool:
    """Put ``data`` at ``final`` unless it is there already; True when it uploaded."""
    if t.size(final) == len(data):
        return False
    tmp = temp_path(final)
    t.put(tmp, data)
    got = t.size(tmp)
    if got != len(data):
        raise TransientError(f"size after upload {got} != {len(data)}")
    t.rename(tmp, final)  # the server's 250 for the rename is the receipt
    return True


def send_due(
    engine: Engine,
    route: Route,
    session: Callable[[], AbstractContextManager[Transport]],
    *,
    now: Callable[[], int],
    policy: RetryPolicy = RetryPolicy(),
    limit: int = 500,
) -> SendResult:
    """Send up to ``limit`` due files of ``route``'s destination, each station in time order.

    A transient failure stops the run (the destination is likely down; the file retries after
    its back-off and its station waits for it); a permanent one stops only that station.
    """
    result = SendResult()
    with engine.connect() as conn:
        runs = outbox.heads(conn, route.id, now(), limit)
    if not runs:
        return result
    try:
        with session() as t:
            for run in runs:
                for item in run:
                    if not _send_one(engine, route, t, item, policy, now, result):
                        break  # keep this station's order: its later files wait
    except TransientError as exc:  # could not connect, or the session broke
        result.error = str(exc)
        log.warning("forward %s: destination unavailable: %s", route.id, exc)
    return result


def _send_one(
    engine: Engine,
    route: Route,
    t: Transport,
    item: outbox.Item,
    policy: RetryPolicy,
    now: Callable[[], int],
    result: SendResult,
) -> bool:
    final = route.remote_path(item.station_id, item.kind, item.observed_at, item.name)
    try:
        data = file_bytes(item.archive_path, item.name, route.content)
        uploaded = place(t, final, data)
    except TransientError as exc:
        with engine.begin() as conn:
            outbox.mark_failed(
                conn,
                item.id,
                error=str(exc),
                retry_at=policy.retry_at(item.attempts + 1, now()),
                now=now(),
            )
        result.retrying += 1
        raise
    except PermanentError as exc:
        dead = item.attempts + 1 >= policy.max_attempts
        with engine.begin() as conn:
            outbox.mark_failed(
                conn,
                item.id,
                error=str(exc),
                retry_at=None if dead else policy.retry_at(item.attempts + 1, now()),
                now=now(),
            )
        if dead:
            result.dead += 1
            log.error("forward %s: %s dead-lettered: %s", route.id, final, exc)
            return True  # a dead letter no longer holds its station back
        result.retrying += 1
        return False
    with engine.begin() as conn:
        outbox.mark_sent(conn, item.id, remote_path=final, size=len(data), now=now())
    if uploaded:
        result.sent += 1
    else:
        result.present += 1
    result.paths.append(final)
    return True
