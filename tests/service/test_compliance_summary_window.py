"""The compliance summary read as columns (issue 20) answers exactly what the per-period path
answered, on both backends: judgements, "not assessed" for missing limits, data capture and the
O2-normalised flue-gas means (docs/compliance.md)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from service.bootstrap import import_stations
from stations.averaging import HOUR, hour_floor, periods_for
from stations.compliance.engine import LimitCache, local_day
from stations.compliance.inputs import load_hours, normalised_parameters
from stations.compliance.summary import station_summary
from stations.limits import load_limits
from stations.sites import Site
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.schema import hourly_means
from stations.store.sites import get_site
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())  # local midnight
DAYS = 12
# one station of each kind: ambient air (QCVN 05:2023), a flue-gas stack normalised to its
# permit's O2 (QCVN 19:2009 B), wastewater with pH as a range (QCVN 14:2008)
STATIONS = ["LS_SONNMT_KK01", "LS_XMDB_KHI01", "LS_XLNTLS_NT01"]
WINDOWS = [
    (T0, T0 + DAYS * 86400),  # everything
    (T0 + 86400, T0 + 2 * 86400),  # one local day
    (T0 + 5 * HOUR + 1234, T0 + 7 * 86400 + 13 * HOUR),  # ragged ends, mid-day
    (T0 + 30 * 86400, T0 + 31 * 86400),  # no data at all
]


def _rows(site: Site, rnd: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Hourly means around typical limits, with missing hours, incomplete hours and NULLs."""
    hourly, normalised = [], []
    stack = set(normalised_parameters(site))
    for parameter in sorted(site.parameters):
        for i in range(DAYS * 24):
            roll = rnd.random()
            if roll < 0.07:
                continue
            mean = None if roll < 0.1 else round(rnd.uniform(0.0, 300.0), 3)
            n = 0 if mean is None else (7 if roll < 0.15 else rnd.randint(9, 12))
            row = {"station_id": site.id, "parameter": parameter, "hour_start": T0 + i * HOUR,
                   "mean": mean, "n_valid": n, "unit": "x"}  # fmt: skip
            hourly.append({**row, "min": mean, "max": mean, "n_total": 12})
            if parameter in stack:
                normal = None if mean is None else mean * 1.3
                normalised.append({**row, "mean": normal, "o2_ref": 10.0, "o2_constant": 21.0,
                                   "updated_at": T0})  # fmt: skip
    return hourly, normalised


def _reference(conn: Connection, site: Site, start: int, end: int) -> dict[str, Any]:
    """The counts and capture figures as the per-period path computed them."""
    start, end = hour_floor(start), hour_floor(end)
    captured: dict[str, int] = {}
    for table in (hourly_means, normalised_hourly_means):
        query = (
            select(table.c.parameter, func.sum(table.c.n_valid))
            .where(table.c.station_id == site.id, table.c.parameter.in_(sorted(site.parameters)),
                   table.c.hour_start >= start, table.c.hour_start < end)
            .group_by(table.c.parameter)
        )  # fmt: skip
        for parameter, n in conn.execute(query):
            if table is hourly_means and parameter in normalised_parameters(site):
                continue
            captured[parameter] = int(n or 0)
    hours = load_hours(conn, site, start - 8 * HOUR, end)
    cache = LimitCache(site, load_limits())
    keys = sorted({k for day in {local_day(start), local_day(end - 1)} for k in cache.limits(day)})
    series = []
    for parameter, averaging in keys:
        evaluated = compliant = near = 0
        for p in periods_for(hours.get(parameter, {}), averaging, start, end):
            limit = cache.at(parameter, averaging, p.start)
            if limit is None or p.mean is None:
                continue
            ratio = limit.ratio(p.mean)
            evaluated += 1
            compliant += ratio <= 1
            near += 0.9 <= ratio <= 1
        series.append((parameter, averaging, evaluated, compliant, near))
    return {"captured": captured, "series": series}


@pytest.fixture
def filled(engine: Engine) -> Engine:
    import_stations(engine, DEMO)
    rnd = random.Random(20)
    with engine.begin() as conn:
        for station in STATIONS:
            site = get_site(conn, station)
            assert site is not None
            hourly, normalised = _rows(site, rnd)
            conn.execute(insert(hourly_means), hourly)
            if normalised:
                conn.execute(insert(normalised_hourly_means), normalised)
    return engine


@pytest.mark.parametrize("station", STATIONS)
def test_summary_equals_the_per_period_path(filled: Engine, station: str) -> None:
    with filled.connect() as conn:
        site = get_site(conn, station)
        assert site is not None
        outcomes = set()
        for start, end in WINDOWS:
            body = station_summary(conn, site, start, end)
            ref = _reference(conn, site, start, end)
            fields = ("parameter", "averaging", "periods_evaluated", "periods_compliant",
                      "periods_near_limit")  # fmt: skip
            got = [tuple(s[f] for f in fields) for s in body["series"]]
            assert got == ref["series"]
            hours = (hour_floor(end) - hour_floor(start)) // HOUR
            expected = 12 * hours
            assert body["data_capture_pct"] == {
                p: round(100 * ref["captured"].get(p, 0) / expected, 1)
                for p in sorted(site.parameters)
            }
            outcomes |= {"exceeds" for _, _, n, c, _ in got if c < n}
            outcomes |= {"compliant" for _, _, n, c, _ in got if c > 0}
            outcomes |= {"near" for *_, near in got if near}
        # the data reach every judgement, so the comparison is not vacuous
        assert outcomes == {"exceeds", "compliant", "near"}
