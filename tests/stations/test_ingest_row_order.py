"""Cheaper row order and statements of the SQLite store step change nothing stored.

QC can hand its rows grouped by (station, parameter) in key order (``rows_of(by_series=True)``,
what the SQLite writer inserts): the same rows, flags and hours as the pass in reading order.
File records and hourly means go in by multi-row statements (``insert_rows``): ids, values and
upserts as row-by-row statements give them, across statement boundaries.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from service.bootstrap import import_stations
from stations.ingest.prepare import Work
from stations.ingest.writer import accepted_in, batch_spans
from stations.parsers.base import Reading
from stations.qc import QcChecker, QcConfig, QcState
from stations.store.readings import (
    HOURLY_COLUMNS,
    ROWS_PER_INSERT,
    record_files,
    station_units,
    write_hourly,
)
from stations.store.schema import hourly_means, ingested_files

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_795_140_000
UNITS = {"B": {"pH": "-", "COD": "mg/L"}, "A": {"pH": "-"}}
RANGES = {"pH": (0.0, 14.0), "COD": (0.0, 1000.0)}


def _files() -> list[tuple[list[Reading], int]]:
    """Two stations' files in reading order (station B first, as a batch may come), with a
    flat line, a spike, an invalid status, an unconfigured parameter, a key sent twice."""
    files = []
    for i in range(30):
        t = NOW - 9000 + i * 300
        readings = [
            Reading("B", "pH", t, 7.0 if i < 15 else 7.0 + i % 3, "-", "00"),
            Reading(
                "B", "COD", t, 900.0 if i == 20 else 50.0 + i, "mg/L", "01" if i == 5 else "00"
            ),
            Reading("B", "TSS", t, 10.0, "mg/L", "00"),
        ]
        files.append((readings, i + 1))
    for i in range(30):
        t = NOW - 9000 + i * 300
        files.append(([Reading("A", "pH", t, 6.5 + (i % 4) / 10, "-", "00")], 100 + i))
    files.append(([Reading("A", "pH", NOW - 9000, 9.9, "-", "00")], 200))  # key sent again
    return files


def _checker() -> QcChecker:
    return QcChecker(units=UNITS, ranges=RANGES, now=NOW, config=QcConfig(), state=QcState())


def test_rows_by_series_are_the_rows_in_reading_order_regrouped() -> None:
    plain, grouped = _checker(), _checker()
    in_order = plain.rows_of(_files())
    by_series = grouped.rows_of(_files(), by_series=True)
    assert Counter(by_series) == Counter(in_order)  # same rows, same flags
    assert any(row[6] for row in in_order)  # the case holds flags to compare
    keys = [(row[0], row[1]) for row in by_series]
    assert keys == sorted(keys)  # the readings' primary key order: A before B, COD before pH
    for key in set(keys):  # each series keeps its reading order (first value of a key first)
        assert [r for r in by_series if (r[0], r[1]) == key] == [
            r for r in in_order if (r[0], r[1]) == key
        ]
    assert grouped.hours == plain.hours


def test_rows_by_series_carry_state_across_calls() -> None:
    """A second call (PostgreSQL's parts, or a later batch) continues each series' flat-line
    run, whichever order the first call handed its rows in."""
    files = _files()
    plain, grouped = _checker(), _checker()
    first = plain.rows_of(files[:40]) + plain.rows_of(files[40:])
    second = grouped.rows_of(files[:40], by_series=True) + grouped.rows_of(files[40:])
    assert Counter(second) == Counter(first)
    assert grouped.rows_of(files[:1]) == plain.rows_of(files[:1])  # in reading order again


def _work(stations: set[str], first: int, last: int, parameters: set[str], n: int) -> Work:
    w = Work(None, None, f"{n}", readings=[()], stations=frozenset(stations))  # type: ignore[arg-type]
    w.parameters, w.first, w.last = frozenset(parameters), first, last
    return w


def test_files_in_qc_order_and_their_spans() -> None:
    """``accepted_in`` (grouped per station) gives the order of the sort by (station, first
    time), ties in arrival order; ``batch_spans`` the widest span and every parameter per
    station, whatever the arrival order (a late file, a file of two stations)."""
    rng = random.Random(7)
    work = [
        _work({f"S{i % 3}"}, t, t + 60 * (i % 2), {"pH", "COD"} if i % 4 else {"TSS"}, i)
        for i, t in enumerate(rng.choices(range(0, 3000, 300), k=60))
    ]
    work += [_work({"S1", "S0"}, 100, 9000, {"NH4"}, 60), _work({"S2"}, 50, 50, {"pH"}, 61)]
    work.append(Work(None, None, "empty"))  # type: ignore[arg-type]  # no readings: left out
    rng.shuffle(work)
    ordered = accepted_in(work)
    expected = sorted((w for w in work if w.readings), key=lambda w: (min(w.stations), w.first))
    assert [w.archive for w in ordered] == [w.archive for w in expected]
    keys, spans = batch_spans(ordered)
    for s in ("S0", "S1", "S2"):
        mine = [w for w in work if s in w.stations]
        assert spans[s] == (min(w.first for w in mine), max(w.last for w in mine))
        assert {k[1] for k in keys if k[0] == s} == set().union(*(w.parameters for w in mine))
    assert all(k[2:] == spans[k[0]] for k in keys)
    assert spans["S1"][1] == spans["S0"][1] == 9000  # the two-station file widens both


@pytest.fixture
def station(engine: Engine) -> str:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        return sorted(station_units(conn))[0]


def test_file_records_across_statements_get_their_ids(engine: Engine) -> None:
    n = 2 * ROWS_PER_INSERT + 5  # two full statements and a remainder
    rows = [
        (f"{i:064x}", f"S_{i:05d}.txt", "t", None, NOW, i, "ok", None, i, "[]", "a", None)
        for i in range(n)
    ]
    with engine.begin() as conn:
        first = record_files(conn, rows[:3])
        ids = record_files(conn, rows[3:])
    assert ids == list(range(first[-1] + 1, first[-1] + 1 + n - 3))
    with engine.connect() as conn:
        stored = dict(conn.execute(select(ingested_files.c.id, ingested_files.c.name)).all())
    assert [stored[i] for i in first + ids] == [r[1] for r in rows]


def test_hourly_upserts_across_statements(engine: Engine, station: str) -> None:
    n = ROWS_PER_INSERT + 10  # a full statement and a remainder
    rows = [(station, "pH", h * 3600, 7.0 + h, 7.0, 7.0 + h, 12, 12, "-") for h in range(n)]
    again = [  # a later batch: hours stored before are updated, a new one added
        (station, "pH", 0, 6.0, 5.0, 7.0, 10, 12, "-"),
        (station, "pH", (ROWS_PER_INSERT + 1) * 3600, 8.0, 8.0, 8.0, 1, 12, "-"),
        (station, "pH", n * 3600, 9.0, 9.0, 9.0, 1, 1, "-"),
    ]
    with engine.begin() as conn:
        write_hourly(conn, rows)
    with engine.begin() as conn:
        write_hourly(conn, again)
    columns = [hourly_means.c[c] for c in HOURLY_COLUMNS.split(", ")]
    with engine.connect() as conn:
        stored = {r[2]: tuple(r) for r in conn.execute(select(*columns)).all()}
    expected = {r[2]: r for r in rows + again}
    assert stored == expected
    assert len(stored) == n + 1
