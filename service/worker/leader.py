"""Scheduler leadership: with several replicas, only one runs the APScheduler jobs.

On PostgreSQL the leader is whoever holds a session-level advisory lock
(``pg_try_advisory_lock``) on a dedicated connection. The lock lives exactly as long as that
connection: if the leader dies or loses the database, PostgreSQL releases it and another
replica, retrying every ``retry_seconds``, takes over. On SQLite (one host by construction) the
lock is an exclusive ``flock`` on ``<database file>.scheduler.lock``, so ``quantrac worker`` and a
``quantrac serve`` started without ``--no-scheduler`` never both run the jobs; the kernel drops
it when the holder dies. An in-memory SQLite database is always led by its only process.

``SchedulerLeader`` is a drop-in for the scheduler object in the app's lifespan::

    sched = SchedulerLeader(ctx.engine, lambda: start_scheduler(ctx))
    sched.start()
    ...
    sched.shutdown(wait=False)
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# A fixed 64-bit key naming "the quantrac scheduler" (ASCII of "qtsched1"), so other
# applications sharing the database server are unlikely to collide with it.
LOCK_KEY = int.from_bytes(b"qtsched1", "big") - (1 << 63)


class Stoppable(Protocol):
    """What a started scheduler offers (APScheduler's BackgroundScheduler does)."""

    def shutdown(self, wait: bool = ...) -> Any:
        """Stop running jobs."""


class AdvisoryLock:
    """A PostgreSQL session advisory lock held on its own connection (SQLite: a file lock)."""

    def __init__(self, engine: Engine, key: int = LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._conn: Connection | None = None
        self._sqlite_held = False
        self._lock_file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self._conn is not None or self._sqlite_held

    def try_acquire(self) -> bool:
        """Take the lock if free; True when held afterwards. Never blocks."""
        if self.engine.dialect.name != "postgresql":
            self._sqlite_held = self._sqlite_held or self._flock()
            return self._sqlite_held
        if self._conn is not None:
            return True
        conn = self.engine.connect()
        try:
            got = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}))
            conn.commit()  # end the implicit transaction; the session lock stays
        except Exception:
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        """Check the lock's connection is alive (a dead connection means the lock is gone)."""
        if self.engine.dialect.name != "postgresql":
            return self._sqlite_held
        if self._conn is None:
            return False
        try:
            self._conn.scalar(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            log.warning("lost the scheduler lock's database connection")
            self._drop()
            return False

    def _flock(self) -> bool:
        database = self.engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return True
        handle = Path(database + ".scheduler.lock").open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def release(self) -> None:
        """Give the lock up (closing the connection would release it too)."""
        self._sqlite_held = False
        if self._lock_file is not None:
            self._lock_file.close()  # closing the descriptor drops the flock
            self._lock_file = None
        if self._conn is None:
            return
        try:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            self._conn.commit()
        except Exception:  # the connection is gone: so is the lock
            log.debug("unlock failed; the connection is already gone", exc_info=True)
        self._drop()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.invalidate()  # never return a connection holding a lock to the pool
                conn.close()
            except Exception:
                log.debug("closing the lock connection failed", exc_info=True)


class SchedulerLeader:
    """Runs ``start()`` only while this process holds the lock; retries in the background."""

    def __init__(
        self,
        engine: Engine,
        start: Callable[[], Stoppable],
        *,
        retry_seconds: float = 30.0,
        watch_seconds: float = 5.0,
        key: int = LOCK_KEY,
    ) -> None:
        self.lock = AdvisoryLock(engine, key)
        self._start = start
        self._retry = retry_seconds
        # The leader checks its lock more often than followers retry to take it, so a leader
        # whose lock connection died stops before another replica can start (no two schedulers).
        self._watch = min(watch_seconds, retry_seconds)
        self._running: Stoppable | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def is_leader(self) -> bool:
        """True while this process runs the scheduler."""
        return self._running is not None

    def step(self) -> bool:
        """One election round (the background loop calls it); returns ``is_leader``."""
        if self._running is not None and not self.lock.still_held():
            log.warning("scheduler lock lost: stopping the scheduler on this replica")
            self._running.shutdown(wait=False)
            self._running = None
        if self._running is None:
            try:
                acquired = self.lock.try_acquire()
            except Exception:
                log.warning("cannot reach the database to take the scheduler lock", exc_info=True)
                return False
            if acquired:
                log.info("this replica holds the scheduler lock: starting the scheduler")
                self._running = self._start()
        return self._running is not None

    def start(self) -> SchedulerLeader:
        """Try at once, then keep trying (and watching the lock) in a daemon thread."""
        self.step()
        if self.lock.engine.dialect.name == "postgresql":
            self._thread = threading.Thread(target=self._loop, name="scheduler-leader", daemon=True)
            self._thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self._watch if self.is_leader else self._retry):
            self.step()

    def shutdown(self, wait: bool = False) -> None:
        """Stop the scheduler (if running here) and give the lock up."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._running is not None:
            self._running.shutdown(wait=wait)
            self._running = None
        self.lock.release()
