"""``read_snapshot``: the statements after it read one state of the database (issue 20).

The readings route calls it first: on SQLite it takes the file lock once for the page's ten
statements instead of once each, and on both backends the data version a cached answer is
filed under and the rows it is built from come from the same state. Here a second connection
commits a file between two reads of the first: the first still sees the state it began with,
and a connection checked out afterwards sees the new one.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from stations.store.data_version import readings_version
from stations.store.dbapi import fetch_all, read_snapshot

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
