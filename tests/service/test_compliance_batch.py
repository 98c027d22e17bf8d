"""The after-ingest compliance step evaluates a polled batch's stations in one batched pass
(issue 20): what it stores must be what a full recompute stores, on both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from service.bootstrap import import_stations
from service.demo.simulator.model import StationModel, demo_scenario, history
from service.runtime import Runtime
from service.settings import Settings
from service.worker import after_ingest
from stations.compliance import engine as compliance_engine
from stations.compliance.engine import evaluate_stations, recompute
from stations.compliance.rules import resolve_limits
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.compliance_tables import (
    aqi_daily,
    aqi_hourly,
    compliance_events,
    exceedance_episodes,
    normalised_hourly_means,
)
from stations.store.readings import station_units
from stations.store.schema import hourly_means
from stations.store.sites import list_sites
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())  # local midnight
H = 3600
LATE = ("LS_XMDB_KHI01", "LS_KCNDB_NT01")
HOURS = 30  # a whole local day (daily AQI, 24-h means) and six hours of the next


def _derived(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the compliance step writes, without ids and write times."""
    e, ev = exceedance_episodes.c, compliance_events.c
    with engine.connect() as conn:
        episodes = conn.execute(
            select(e.station_id, e.parameter, e.averaging, e.kind, e.opened_at, e.closed_at,
                   e.state, e.rule, e.limit_value, e.limit_low, e.limit_high, e.band,
                   e.peak_value, e.last_value, e.last_period_end)
            .where(e.voided_at.is_(None))
        ).all()  # fmt: skip
        events = conn.execute(
            select(ev.station_id, ev.parameter, ev.averaging, ev.event, ev.at, ev.value,
                   ev.limit_value, ev.ratio, ev.band)
        ).all()  # fmt: skip
        out = {"episodes": episodes, "events": events}
        for name, table in (
            ("aqi_hourly", aqi_hourly),
            ("aqi_daily", aqi_daily),
            ("normalised", normalised_hourly_means),
        ):
            columns = [c for c in table.c if c.name != "updated_at"]
            out[name] = conn.execute(select(*columns)).all()
    return {k: sorted(tuple(_rounded(v) for v in r) for r in rows) for k, rows in out.items()}


def _rounded(v: Any) -> Any:
    return round(v, 9) if isinstance(v, float) else v


def test_batched_live_step_matches_a_full_recompute(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 13 demo stations polled as 100 files per batch, the chain's compliance step after
    each: 3 air stations (AQI, QCVN 05), 6 flue-gas stacks (O2-normalised means, QCVN 19/22
    with coefficients, one stack with permit limits), 4 wastewater outlets (QCVN 14/40, one
    with permit limits, parameters without any limit), with the demo's exceedances, a
    calibration hour and an outage, then everything cleared and recomputed in one go."""
    import_stations(engine, DEMO)
    with engine.connect() as conn:
        stations = list_sites(conn, site_type="station")
        sites = station_units(conn)
    models = [StationModel(s.id, s.kind, s.parameters) for s in stations]
    # demo exceedances at hours 2-5 (stack dust), 12-18 (PM2.5), 22-24 (permit COD), 29- (COD)
    scenario = demo_scenario(T0 + 32 * H)
    files = [
        IncomingFile(n, d, f"test:{n}") for n, d in history(models, T0, T0 + HOURS * H, scenario)
    ]
    # two stations' first 10 hours arrive late, after hour 20 (a logger's backlog): windows
    # of very different lengths in one batch
    late = [
        f for f in files if f.name.startswith(LATE) and f.name < f"{f.name[:-18]}20260301100000"
    ]
    files = [f for f in files if f not in late]
    cut = files.index(next(f for f in files if f.name.endswith("20260301200000.txt")))
    files[cut:cut] = late
    rt = Runtime(Settings(database_url=str(engine.url), data_dir=tmp_path), engine)
    batch_sizes: list[int] = []

    def counted(conn: Any, due: Any, *args: Any, **kwargs: Any) -> Any:
        batch_sizes.append(len(due))
        return evaluate_stations(conn, due, *args, **kwargs)

    monkeypatch.setattr(after_ingest, "evaluate_stations", counted)
    monkeypatch.setattr(after_ingest, "evaluate_station", None)  # no one-by-one fallback
    for i in range(0, len(files), 100):
        batch = files[i : i + 100]
        result = ingest_batch(engine, batch, sites=sites, now=T0 + 31 * H, archive_dir=tmp_path)
        after_ingest.compliance(rt, result.spans)
    assert max(batch_sizes) == len(stations)  # all 13 stations in one pass
    live = _derived(engine)
    with engine.begin() as conn:
        for table in (compliance_events, exceedance_episodes, aqi_hourly, aqi_daily):
            conn.execute(table.delete())
        conn.execute(normalised_hourly_means.delete())
    recompute(engine, T0, T0 + HOURS * H, now=T0 + 31 * H, options=rt.compliance)
    full = _derived(engine)
    assert live == full
    # the comparison covers every kind of judgement
    opened = {(r[0], r[1], r[3], r[7]) for r in full["episodes"]}
    assert ("LS_XMDB_KHI01", "Dust", "near_limit", "transition") in opened  # normalised dust
    assert ("LS_CCNHL_NT01", "COD", "exceedance", "permit") in opened
    assert ("LS_SONNMT_KK01", "PM2.5", "exceedance", "regulation") in opened
    assert ("LS_KCNDB_NT01", "COD", "exceedance", "transition") in opened
    assert {r[0] for r in full["normalised"]} >= {"LS_XMDB_KHI01", "LS_GTHT_KHI01"}
    assert len({r[0] for r in full["aqi_daily"]}) == 3
    assert any(r[3] == "closed" for r in full["events"])
    # not assessed: a parameter without a limit is never judged (no episode, never compliant)
    kcndb = next(s for s in stations if s.id == "LS_KCNDB_NT01")
    judged = {a.parameter for a in resolve_limits(kcndb.kind, kcndb.parameters, kcndb.permit,
                                                  date(2026, 3, 1))[0]}  # fmt: skip
    unjudged = set(kcndb.parameters) - judged
    assert unjudged and not {r[1] for r in full["episodes"] if r[0] == kcndb.id} & unjudged


def test_a_station_given_twice_is_refused(engine: Engine) -> None:
    import_stations(engine, DEMO)
    with engine.connect() as conn:
        site = next(s for s in list_sites(conn, site_type="station"))
    with engine.begin() as conn, pytest.raises(ValueError, match="at most once"):
        compliance_engine.evaluate_stations(conn, [(site, T0, T0 + H), (site, T0, T0 + H)], T0)


def test_a_failing_pass_falls_back_to_one_station_at_a_time(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the batched pass fails, each station is evaluated in its own transaction, so one
    station's failure does not stop the others (the catch-up job retries it)."""
    import_stations(engine, DEMO)
    stations = ("LS_KCNDB_NT01", "LS_CCNHL_NT01")  # COD 300 mg/L exceeds both limits
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), [
            {"station_id": s, "parameter": "COD", "hour_start": T0 + i * H, "mean": 300.0,
             "min": 300.0, "max": 300.0, "n_valid": 12, "n_total": 12, "unit": "mg/L"}
            for s in stations for i in range(3)
        ])  # fmt: skip
    rt = Runtime(Settings(database_url=str(engine.url), data_dir=tmp_path), engine)

    def broken_pass(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("batched pass failed")

    def one(conn: Any, site: Any, *args: Any, **kwargs: Any) -> Any:
        if site.id == stations[0]:
            raise RuntimeError("this station failed")
        return compliance_engine.evaluate_station(conn, site, *args, **kwargs)

    monkeypatch.setattr(after_ingest, "evaluate_stations", broken_pass)
    monkeypatch.setattr(after_ingest, "evaluate_station", one)
    after_ingest.compliance(rt, dict.fromkeys(stations, (T0, T0 + 3 * H - 300)))
    with engine.connect() as conn:
        found = (
            conn.execute(
                select(exceedance_episodes.c.station_id).where(
                    exceedance_episodes.c.kind == "exceedance"
                )
            )
            .scalars()
            .all()
        )
    assert found == [stations[1]]
