"""``read_snapshot``: the statements after it read one state of the database (issue 20).

The readings route calls it first: on SQLite it takes the file lock once for the page's ten
statements instead of once each, and on both backends the data version a cached answer is
filed under and the rows it is built from come from the same state. Here a second connection
commits a file between two reads of the first: the first still sees the state it began with,
and a connection checked out afterwards sees the new one.

``snapshot`` wraps it for a block and then ends the transaction: on PostgreSQL by ``COMMIT``, so
psycopg keeps the statements it prepared (it forgets them at a ``ROLLBACK``, which is how the
pool ends a transaction left open), except those asked to be planned each time.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from stations.store.data_version import readings_version
from stations.store.dbapi import fetch_all, read_snapshot, snapshot

FILE = (
    "INSERT INTO ingested_files (sha256, name, origin, received_at, size, outcome, readings, "
    "line_errors) VALUES (:sha, 'f.txt', 'test', 0, 1, 'ok', 0, '[]')"
)


def _commit_a_file(engine: Engine, sha: str) -> None:
    with engine.begin() as other:
        other.execute(text(FILE), {"sha": sha})


def _files(conn) -> int:  # type: ignore[no-untyped-def]
    return int(fetch_all(conn, "SELECT count(*) FROM ingested_files", [])[0][0])


def test_reads_after_it_see_the_state_they_began_with(engine: Engine) -> None:
    with engine.connect() as conn:
        read_snapshot(conn)
        before, files = readings_version(conn), _files(conn)
        _commit_a_file(engine, "a" * 64)
        assert readings_version(conn) == before
        assert _files(conn) == files
        read_snapshot(conn)  # a second call changes nothing
        assert _files(conn) == files
    with engine.connect() as conn:
        read_snapshot(conn)
        assert _files(conn) == files + 1
        assert readings_version(conn)[0] > before[0]


def test_without_it_each_statement_sees_the_newest_state(engine: Engine) -> None:
    """The reference: what the readings page did before, and what the test above rules out."""
    with engine.connect() as conn:
        files = _files(conn)
        _commit_a_file(engine, "b" * 64)
        assert _files(conn) == files + 1


def test_the_connection_goes_back_to_the_pool_without_its_transaction(engine: Engine) -> None:
    """Writes on the next checkout of the same pooled connection are not refused."""
    with engine.connect() as conn:
        read_snapshot(conn)
        _files(conn)
    _commit_a_file(engine, "c" * 64)
    with engine.begin() as conn:
        conn.execute(text(FILE), {"sha": "d" * 64})
    with engine.connect() as conn:
        assert _files(conn) >= 2


def test_a_snapshot_block_reads_one_state_and_frees_the_connection(engine: Engine) -> None:
    with engine.connect() as conn, snapshot(conn):
        files = _files(conn)
        _commit_a_file(engine, "e" * 64)
        assert _files(conn) == files
    with engine.begin() as conn:  # the same pooled connection writes on its next checkout
        conn.execute(text(FILE), {"sha": "f" * 64})
    with engine.connect() as conn, snapshot(conn):
        assert _files(conn) == files + 2


def test_a_failed_statement_in_the_block_keeps_its_error(engine: Engine) -> None:
    with pytest.raises(Exception, match="no_such_column"):  # the driver's own class
        with engine.connect() as conn, snapshot(conn):
            fetch_all(conn, "SELECT no_such_column FROM ingested_files", [])
    with engine.connect() as conn, snapshot(conn):
        assert _files(conn) >= 0


_KEPT = "SELECT count(*) FROM ingested_files WHERE size >= ?"
_PLANNED = "SELECT count(*) FROM ingested_files WHERE received_at >= ?"


def _answers(engine: Engine, *, ended: bool) -> None:
    """Eight answers' worth of two statements (psycopg prepares a statement on its fifth run
    on a connection), each ending its transaction by ``snapshot`` or leaving it to the pool."""
    for _ in range(8):
        with engine.connect() as conn:
            if ended:
                with snapshot(conn):
                    fetch_all(conn, _KEPT, [0])
                    fetch_all(conn, _PLANNED, [0], planned_each_time=True)
            else:
                read_snapshot(conn)
                fetch_all(conn, _KEPT, [0])


def _prepared(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = fetch_all(conn, "SELECT statement FROM pg_prepared_statements", [])
    return " | ".join(s for (s,) in rows)


def test_statements_stay_prepared_from_one_answer_to_the_next(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's statement cache outlives a rollback")
    _answers(engine, ended=False)
    assert "size >=" not in _prepared(engine)  # each ROLLBACK forgot it
    _answers(engine, ended=True)
    kept = _prepared(engine)
    assert "size >=" in kept
    assert "received_at >=" not in kept  # planned for its own arguments every time
