"""PostgreSQL's own statements on the ingest path answer what the shared ones answer.

On PostgreSQL :func:`~stations.store.readings.stored_hours` (one index probe per span) gives
the hours the shared join statement gives, also before 1970, and stays an index probe on a
partition filled in the same transaction (no statistics yet); file records go in
by binary ``COPY`` unchanged, and the server still checks their JSON. Whatever the path, the
hourly means a batch leaves equal a recompute from the stored readings.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text

from service.bootstrap import import_stations
from stations.ingest import pg_batches as batches
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.parameters import catalogue
from stations.qc import INVALID_MASK
from stations.store import pg_ingest
from stations.store import readings as store
from stations.store.readings import _cursor, station_units, stored_hours

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_796_500_000
HOUR = 3600


@pytest.fixture
def sites(engine: Engine) -> dict[str, dict[str, str]]:
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        return station_units(conn)


def _pg_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL statement")


def _series(sites: dict[str, dict[str, str]], n: int) -> list[tuple[str, str, str]]:
    """``n`` (station, parameter, unit) of the demo stations."""
    out = [(s, p, u) for s in sorted(sites) for p, u in sorted(sites[s].items())]
    return out[:n]


def _copy(conn: Connection, series: list[tuple[str, str, str]], times: range) -> None:
    rows = [(s, p, t, 1.0, u, "00", 0, None) for s, p, u in series for t in times]
    assert pg_ingest.copy_new_readings(conn, [rows])


def test_stored_hours_agree_with_the_shared_statement(engine: Engine, sites: Any) -> None:
    _pg_only(engine)
    series = _series(sites, 3)
    (s0, p0, _), (s1, p1, _), (s2, p2, _) = series
    with engine.begin() as conn:
        _copy(conn, series[:1], range(NOW - 5 * HOUR, NOW, 900))  # five whole hours
        _copy(conn, series[1:2], range(-2 * HOUR + 60, -HOUR, 1200))  # an hour before 1970
        spans = [
            (s0, p0, NOW - 3 * HOUR + 10, NOW - HOUR - 10),  # partial hours at both ends
            (s0, p0, NOW + HOUR, NOW + 2 * HOUR),  # nothing stored there
            (s1, p1, -2 * HOUR + 3000, -2 * HOUR + 3100),
            (s2, p2, NOW - 5 * HOUR, NOW),  # a series with nothing stored
        ]
        got = stored_hours(conn, spans)
        joined = store._keyed(conn, store._STORED_HOURS, spans, "span_keys", store._SPAN_KEY)
        assert got == set(joined)
        first = NOW - 3 * HOUR + 10
        expected = {(s0, p0, h) for h in range(first - first % HOUR, NOW - HOUR, HOUR)}
        assert got == expected | {(s1, p1, -2 * HOUR)}
        assert stored_hours(conn, []) == set()


def test_stored_hours_probe_the_index_of_a_partition_without_statistics(
    engine: Engine, sites: Any
) -> None:
    """Filled in the transaction that asks (as an ingest batch's parts are), the partition
    has no statistics: the statement must still read only the spans' index entries."""
    _pg_only(engine)
    series = _series(sites, 200)  # every demo series (98): the old statement hash-joined them
    with engine.begin() as conn:
        _copy(conn, series, range(NOW - 86400, NOW, 300))  # a day of each, 28,224 readings
        spans = [(s, p, NOW - 2 * HOUR, NOW - HOUR) for s, p, _u in series]
        cur = _cursor(conn)
        params = [list(c) for c in zip(*spans, strict=True)]
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + store._STORED_HOURS_PG, params)
        plan = json.dumps(cur.fetchone()[0])
        assert "Index" in plan
        assert '"Seq Scan"' not in plan and '"Hash Join"' not in plan
        assert len(stored_hours(conn, spans)) == 2 * len(series)


def test_file_records_by_binary_copy_are_stored_unchanged(engine: Engine, sites: Any) -> None:
    _pg_only(engine)
    station = sorted(sites)[0]
    errors = json.dumps([{"line": 3, "error": "giá trị không đọc được / unreadable"}])
    rows = [
        ("a" * 64, f"{station}_20261205100000.txt", "ftp://trạm", station, NOW, 120, "ok",
         None, 7, "[]", "/archive/aa.gz", None),
        ("b" * 64, "tệp lạ.txt", "upload", None, NOW, 0, "quarantined",
         "không rõ trạm / unknown station", 0, errors, None, "ghi chú; note"),
    ]  # fmt: skip
    with engine.begin() as conn:
        ids = pg_ingest.copy_files(conn, rows)
        cur = _cursor(conn)
        cur.execute(
            f"SELECT id, {pg_ingest.FILE_COLUMNS} FROM ingested_files WHERE id = ANY(%s) "
            "ORDER BY id",
            [ids],
        )
        stored = cur.fetchall()
    assert [r[0] for r in stored] == sorted(ids)
    by_id = {r[0]: r[1:] for r in stored}
    for file_id, row in zip(ids, rows, strict=True):
        got = by_id[file_id]
        assert got[:9] + got[10:] == row[:9] + row[10:]
        assert got[9] == json.loads(row[9])  # the json column reads back as the same value
    bad = ("c" * 64, "x.txt", "t", None, NOW, 1, "ok", None, 0, "[not json", None, None)
    with pytest.raises(psycopg.errors.InvalidTextRepresentation), engine.begin() as conn:
        pg_ingest.copy_files(conn, [bad])


_RECOMPUTE = f"""
SELECT station_id, parameter, observed_at - observed_at % 3600 AS h,
    AVG(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    MIN(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    MAX(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN value END),
    SUM(CASE WHEN qc_flags & {INVALID_MASK} = 0 THEN 1 ELSE 0 END), COUNT(*)
FROM readings GROUP BY station_id, parameter, observed_at - observed_at % 3600
"""
_HOURLY = "SELECT station_id, parameter, hour_start, mean, min, max, n_valid, n_total "
_HOURLY += "FROM hourly_means"


def _file(sid: str, params: dict[str, str], t: int, value: float) -> IncomingFile:
    stamp = (datetime.fromtimestamp(t, UTC) + timedelta(hours=7)).strftime("%Y%m%d%H%M%S")
    body = "".join(f"{p}\t{value}\t{u}\t{stamp}\t00\r\n" for p, u in params.items())
    return IncomingFile(f"{sid}_{stamp}.txt", body.encode(), "test")


def _rounded(rows: Any) -> dict[tuple[str, str, int], tuple[Any, ...]]:
    return {
        (s, p, h): tuple(round(v, 9) if isinstance(v, float) else v for v in rest)
        for s, p, h, *rest in rows
    }


def test_hourly_means_equal_a_recompute_from_the_readings(
    engine: Engine, sites: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches stored in parts of three files (PostgreSQL), the second reaching back into
    hours the first stored, with out-of-range values flagged invalid: every hour's mean,
    extremes and counts are those of its stored readings."""
    monkeypatch.setattr(batches, "FIRST_PART", 2)
    monkeypatch.setattr(batches, "SUB_BATCH", 3)
    sids = sorted(sites)[:2]
    params = {s: dict(list(sites[s].items())[:2]) for s in sids}
    top = max(catalogue()[p].max_valid or 0.0 for s in sids for p in params[s])
    start = NOW - 86400 - NOW % HOUR

    def value(i: int) -> float:
        return top * 10 + 1 if i % 11 == 5 else round(1.0 + (i * 7 % 13) * 0.37, 3)

    def files(times: range) -> list[IncomingFile]:
        return [_file(s, params[s], start + i * 600, value(i)) for i in times for s in sids]

    for batch in (files(range(0, 14)), files(range(14, 30))):  # 600 s apart: hours split
        ingest_batch(engine, batch, sites=sites, now=NOW, archive_dir=tmp_path)
    with engine.connect() as conn:
        want = _rounded(conn.execute(text(_RECOMPUTE)).all())
        got = _rounded(conn.execute(text(_HOURLY)).all())
    assert got == want
    assert len(got) == 2 * 2 * 5  # two stations, two parameters, five hours
    assert any(n_valid < n_total for *_m, n_valid, n_total in got.values())
