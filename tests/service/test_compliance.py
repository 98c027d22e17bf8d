"""Compliance engine on both backends: O2 normalisation from readings, calibration, permit
change + recompute (idempotent), the after-ingest hook, the routes and the CLI."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, update
from typer.testing import CliRunner

from service.bootstrap import import_stations
from stations.compliance import engine as compliance_engine
from stations.compliance.engine import after_ingest, recompute
from stations.store.compliance import (
    latest_aqi,
    list_episodes,
    open_exceedances,
    station_compliance_state,
)
from stations.store.compliance_tables import (
    aqi_daily,
    aqi_hourly,
    compliance_events,
    exceedance_episodes,
    normalised_hourly_means,
)
from stations.store.schema import hourly_means, permits, readings
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())  # local midnight
H = 3600


@pytest.fixture
def demo(engine: Engine) -> Engine:
    import_stations(engine, DEMO)
    return engine


def _hourly(engine: Engine, station: str, parameter: str, values: list[float | None]) -> None:
    rows = [
        {"station_id": station, "parameter": parameter, "hour_start": T0 + i * H, "mean": v,
         "min": v, "max": v, "n_valid": 12 if v is not None else 0, "n_total": 12, "unit": "x"}
        for i, v in enumerate(values)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), rows)


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            int(conn.scalar(select(func.count()).select_from(t)) or 0)
            for t in (exceedance_episodes, compliance_events, aqi_hourly, aqi_daily)
        )


def _snapshot(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        eps = conn.execute(select(exceedance_episodes).order_by(exceedance_episodes.c.id)).all()
        evs = conn.execute(select(compliance_events).order_by(compliance_events.c.id)).all()
    return [tuple(r) for r in eps] + [tuple(r) for r in evs]


def test_flue_gas_is_normalised_per_reading_and_calibration_never_opens(demo: Engine) -> None:
    # LS_XMDB_KHI01: QCVN 19:2009 B, Kp 0.9, Kv 1.2, O2_ref 10 %: dust Cmax = 200·1.08 = 216
    # (regulations.md §5.1), applied in 2026 under the transition (QCVN 19:2024 values missing).
    station = "LS_XMDB_KHI01"
    rows = []
    for i in range(36):
        t = T0 + i * 300
        hour = i // 12
        dust, o2, status = [(150.0, 15.0, "00"), (900.0, 10.0, "01"), (100.0, 10.0, "00")][hour]
        for parameter, value in (("Dust", dust), ("O2", o2)):
            rows.append(
                {"station_id": station, "parameter": parameter, "observed_at": t, "value": value,
                 "unit": "mg/Nm³", "status": status, "qc_flags": 0}
            )  # fmt: skip
    with demo.begin() as conn:
        conn.execute(insert(readings), rows)
    recompute(demo, T0, T0 + 3 * H, now=T0 + 4 * H)
    with demo.connect() as conn:
        means = conn.execute(
            select(normalised_hourly_means.c.hour_start, normalised_hourly_means.c.mean)
            .where(normalised_hourly_means.c.parameter == "Dust")
            .order_by(normalised_hourly_means.c.hour_start)
        ).all()
        (ep,) = list_episodes(conn, station_id=station)
    # 150·(21−10)/(21−15) = 275; the calibrating hour has no mean at all.
    assert [(h - T0, round(m, 3)) for h, m in means] == [(0, 275.0), (2 * H, 100.0)]
    assert (ep["opened_at"], ep["closed_at"], ep["peak_value"]) == (T0, T0 + 3 * H, 275.0)
    assert ep["limit"] == pytest.approx(216.0) and ep["rule"] == "transition"
    assert ep["low_confidence"] is True and ep["band"] == 1  # 275/216 = 1.27


def test_permit_change_and_recompute_change_episodes_and_twice_changes_nothing(
    demo: Engine,
) -> None:
    # LS_KCNDB_NT01: QCVN 40:2011 B, Kq 0.9, Kf 1.1 → COD Cmax 148.5 (§4.1); 140 is near-limit.
    station = "LS_KCNDB_NT01"
    _hourly(demo, station, "COD", [140.0] * 6)
    recompute(demo, T0, T0 + 6 * H, now=T0 + 7 * H)
    with demo.connect() as conn:
        assert station_compliance_state(conn)[station] == "near_limit"
        assert open_exceedances(conn) == {}
    with demo.begin() as conn:  # the permit now sets COD 120 mg/L explicitly
        conn.execute(
            update(permits).where(permits.c.site_id == station).values(limits={"COD": 120})
        )
    first = recompute(demo, T0, T0 + 6 * H, now=T0 + 8 * H)
    assert (first.episodes.inserted, first.episodes.voided) == (1, 1)
    with demo.connect() as conn:
        (exc,) = open_exceedances(conn)[station]
        assert (exc["limit"], exc["rule"], exc["mean"]) == (120.0, "permit", 140.0)
        assert station_compliance_state(conn)[station] == "exceeding"
        events = [e.event for e in conn.execute(select(compliance_events.c.event))]
    # the withdrawn near-limit run is closed "now", after the exceedance it turned into
    assert events == ["near_limit_opened", "opened", "near_limit_closed"]
    before = _snapshot(demo)
    again = recompute(demo, T0, T0 + 6 * H, now=T0 + 9 * H)
    assert not again.episodes.changed
    assert _snapshot(demo) == before


def test_incremental_evaluation_matches_a_full_recompute(demo: Engine) -> None:
    station = "LS_KCNDB_NT01"
    values = [100.0, 160.0, 170.0, 150.0, 120.0, 200.0, 90.0, 95.0]
    for i, v in enumerate(values):  # one file per hour, evaluated as it arrives
        with demo.begin() as conn:
            conn.execute(insert(hourly_means).values(
                station_id=station, parameter="COD", hour_start=T0 + i * H, mean=v, min=v,
                max=v, n_valid=12, n_total=12, unit="mg/L"))  # fmt: skip
        after_ingest(demo, station, T0 + i * H, T0 + (i + 1) * H - 300, now=T0 + (i + 1) * H)
    incremental = [
        (e["kind"], e["opened_at"], e["closed_at"], e["band"], e["peak_value"])
        for e in _episodes(demo)
    ]
    with demo.begin() as conn:
        conn.execute(compliance_events.delete())
        conn.execute(exceedance_episodes.delete())
    recompute(demo, T0, T0 + 8 * H, now=T0 + 9 * H)
    full = [
        (e["kind"], e["opened_at"], e["closed_at"], e["band"], e["peak_value"])
        for e in _episodes(demo)
    ]
    assert incremental == full
    # 120 mg/L (0.81 of 148.5) closes the first run; 200 (1.35×, band 1) opens a second.
    assert [e for e in full if e[0] == "exceedance"] == [
        ("exceedance", T0 + H, T0 + 5 * H, 1, 170.0),
        ("exceedance", T0 + 5 * H, T0 + 7 * H, 1, 200.0),
    ]


def _derived(engine: Engine) -> tuple[list[tuple], ...]:
    episodes = [
        (e["parameter"], e["averaging"], e["kind"], e["opened_at"], e["closed_at"], e["band"])
        for e in _episodes(engine)
    ]
    with engine.connect() as conn:
        hours = conn.execute(select(aqi_hourly.c.hour_start, aqi_hourly.c.aqi)).all()
        days = conn.execute(select(aqi_daily.c.day_start, aqi_daily.c.aqi)).all()
    return episodes, sorted(map(tuple, hours)), sorted(map(tuple, days))


def test_files_inside_an_hour_skip_evaluation_and_lose_nothing(demo: Engine) -> None:
    """A 5-minute air station (issue 20's load): only the file that completes an hour is
    evaluated, and 26 hours of files evaluated so match a full recompute."""
    station = "LS_SONNMT_KK01"
    pm25 = [20.0] * 12 + [90.0] * 14  # the first local day's 24-h mean 55 > 50: an exceedance
    no2 = [250.0] * 3 + [100.0] * 23  # three 1-h means over 200
    evaluated = []
    for i in range(26):
        with demo.begin() as conn:
            for parameter, value in (("PM2.5", pm25[i]), ("NO2", no2[i])):
                conn.execute(insert(hourly_means).values(
                    station_id=station, parameter=parameter, hour_start=T0 + i * H, mean=value,
                    min=value, max=value, n_valid=12, n_total=12, unit="µg/Nm³"))  # fmt: skip
        for k in range(12):  # one file per 5 minutes, evaluated as it arrives
            t = T0 + i * H + k * 300
            evaluated.append(after_ingest(demo, station, t, t, now=t + 300).stations)
    assert evaluated == ([0] * 11 + [1]) * 26
    incremental = _derived(demo)
    assert incremental[0] and incremental[1] and incremental[2]  # something was derived
    with demo.begin() as conn:
        for table in (compliance_events, exceedance_episodes, aqi_hourly, aqi_daily):
            conn.execute(table.delete())
    recompute(demo, T0, T0 + 26 * H, now=T0 + 27 * H)
    assert incremental == _derived(demo)


def _episodes(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return sorted(list_episodes(conn, include_near=True), key=lambda e: e["opened_at"])


def test_aqi_and_routes(demo: Engine, client) -> None:  # type: ignore[no-untyped-def]
    station = "LS_SONNMT_KK01"
    _hourly(demo, station, "PM2.5", [20.0] * 12 + [90.0] * 12)
    _hourly(demo, station, "NO2", [118.7] * 24)
    recompute(demo, T0, T0 + 24 * H, now=T0 + 25 * H)
    with demo.connect() as conn:
        latest = latest_aqi(conn)[station]
    assert latest["at"] == T0 + 23 * H and latest["dominant"] == "PM2.5"
    assert latest["label_vi"] == "Xấu" and latest["colour"] == "#ff0000"  # NowCast ≈ 90 → 157

    day = client.get(f"/api/aqi?station={station}&interval=day&start=2026-03-01&end=2026-03-02")
    assert day.status_code == 200
    (item,) = day.json()["items"]
    # PM2.5 24-h mean 55 → 108 (QĐ 1459 formula 1); NO2 max 118.7 → 59.
    assert (item["aqi"], item["sub_indices"]) == (108, {"PM2.5": 108, "NO2": 59})
    assert item["at"] == "2026-03-01T00:00:00+07:00"

    exc = client.get("/api/exceedances?start=2026-03-01T00:00:00%2B07:00&end=2026-03-03").json()
    # A "+" typed unencoded in the URL arrives as a space: same window, same answer.
    raw_plus = client.get("/api/exceedances?start=2026-03-01T00:00:00+07:00&end=2026-03-03")
    assert raw_plus.status_code == 200 and raw_plus.json() == exc
    # PM2.5 24-h 55 > 45 µg/Nm³ (from 2026-01-01) and NO2 24-h 118.7 > 100 (QCVN 05:2023 Bảng 1)
    found = {(e["parameter"], e["averaging"]): e for e in exc["exceedances"]}
    assert set(found) == {("PM2.5", "24h"), ("NO2", "24h")}
    ep = found[("PM2.5", "24h")]
    assert (ep["station_id"], ep["parameter"], ep["averaging"], ep["limit"]) == (
        station, "PM2.5", "24h", 45.0)  # fmt: skip
    assert ep["band"] == 1 and ep["band_label"].startswith("từ 1,1")
    assert ep["opened_at"] == "2026-03-01T00:00:00+07:00"

    summary = client.get(f"/api/stations/{station}/compliance?start=2026-03-01&end=2026-03-02")
    body = summary.json()
    assert summary.status_code == 200
    assert body["data_capture_pct"]["PM2.5"] == 100.0 and body["data_capture_pct"]["SO2"] == 0.0
    no2 = next(s for s in body["series"] if s["parameter"] == "NO2" and s["averaging"] == "1h")
    assert (no2["periods_evaluated"], no2["pct_compliant"]) == (24, 100.0)


def test_summary_is_built_on_the_answers_pool(demo: Engine, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The whole summary (its reads and judgement) runs on one of the two answer threads that
    build readings answers (service/web/cpu_slots.py), not in Starlette's 40-thread pool."""
    import service.web.routes.compliance as route

    threads: list[str] = []
    real = route.station_summary

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(route, "station_summary", spy)
    answer = client.get("/api/stations/LS_SONNMT_KK01/compliance?start=2026-03-01&end=2026-03-02")
    assert answer.status_code == 200 and answer.json()["station"] == "LS_SONNMT_KK01"
    assert [t.rsplit("_", 1)[0] for t in threads] == ["answers"]


BAD_REQUESTS = [
    pytest.param("/api/exceedances?station=NOPE", 404, id="unknown-station"),
    pytest.param("/api/stations/NOPE/compliance", 404, id="unknown-station-summary"),
    pytest.param("/api/aqi?interval=week", 400, id="bad-interval"),
    pytest.param("/api/aqi?start=yesterday", 400, id="bad-time"),
    pytest.param("/api/exceedances?start=2026-03-02&end=2026-03-01", 400, id="start-after-end"),
]


@pytest.mark.parametrize(("url", "status"), BAD_REQUESTS)
def test_bad_requests_get_a_clear_4xx(client, url: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == status
    assert "/" in response.json()["detail"]  # Vietnamese / English


def test_register_adds_the_hook_and_the_catch_up_job(settings) -> None:  # type: ignore[no-untyped-def]
    from apscheduler.schedulers.background import BackgroundScheduler

    from service.context import AppContext
    from service.database import make_engine
    from service.worker.jobs.compliance import register

    ctx = AppContext(settings=settings, engine=make_engine(settings.db_url))
    scheduler = BackgroundScheduler(timezone="UTC")
    register(scheduler, ctx)
    assert [j.id for j in scheduler.get_jobs()] == ["compliance:catch-up"]
    register(scheduler, ctx)  # e.g. a second app in one process: the step is not doubled
    assert [s.name for s in ctx.steps].count("compliance") == 1
    ctx.engine.dispose()


def test_cli_recompute(demo: Engine, db_url: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from service.cli import _load_commands, app

    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    _load_commands()
    _hourly(demo, "LS_CCNHL_NT01", "COD", [130.0, 50.0])  # permit COD 120 mg/L
    runner = CliRunner()
    args = ["--db", db_url, "compliance", "recompute", "--from", "2026-03-01", "--to",
            "2026-03-02", "--station", "LS_CCNHL_NT01"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert _counts(demo)[:2] == (1, 2)
    assert runner.invoke(app, args).exit_code == 0
    assert _counts(demo)[:2] == (1, 2)
    bad = runner.invoke(app, [*args[:-1], "NOPE"])
    assert bad.exit_code == 2 and "NOPE" in bad.output


def test_flue_gas_files_inside_an_hour_refresh_only_the_normalised_means(
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: a flue-gas file that completes no hour refreshes its hour's normalised mean
    (shown on the map as data arrive) and derives nothing else; 3 hours of 5-minute files
    evaluated so end where a full recompute does."""
    station = "LS_XMDB_KHI01"  # Dust limit 216 mg/Nm³ at O2_ref 10 % (test above)
    partial_means = []
    derived_at: list[int] = []  # files after which the means were read to derive periods
    real_load_hours = compliance_engine.load_hours_many

    def load_hours(*args: object, **kwargs: object) -> object:
        derived_at.append(len(partial_means))
        return real_load_hours(*args, **kwargs)

    monkeypatch.setattr(compliance_engine, "load_hours_many", load_hours)
    for i in range(36):
        t = T0 + i * 300
        dust = 300.0 if i // 12 == 1 else 100.0  # the second hour exceeds
        with demo.begin() as conn:
            conn.execute(insert(readings), [
                {"station_id": station, "parameter": p, "observed_at": t, "value": v,
                 "unit": "mg/Nm³", "status": "00", "qc_flags": 0}
                for p, v in (("Dust", dust), ("O2", 10.0))
            ])  # fmt: skip
        after_ingest(demo, station, t, t, now=t + 300)
        with demo.connect() as conn:
            n_valid = conn.scalar(
                select(normalised_hourly_means.c.n_valid).where(
                    normalised_hourly_means.c.parameter == "Dust",
                    normalised_hourly_means.c.hour_start == t - t % H,
                )
            )
        partial_means.append(n_valid)
        if i == 11:  # the first hour completed: nothing exceeded yet, nothing derived at 11
            assert _counts(demo)[0] == 0
    assert partial_means == list(range(1, 13)) * 3  # the running hour's mean, file by file
    assert derived_at == [11, 23, 35]  # only the files completing an hour derive periods
    monkeypatch.undo()
    incremental = _snapshot(demo)
    with demo.connect() as conn:
        (ep,) = list_episodes(conn, station_id=station)
    assert (ep["opened_at"], ep["closed_at"]) == (T0 + H, T0 + 3 * H)  # closed by hour 3
    with demo.begin() as conn:
        for table in (compliance_events, exceedance_episodes, aqi_hourly, aqi_daily):
            conn.execute(table.delete())
    recompute(demo, T0, T0 + 3 * H, now=T0 + 4 * H)
    assert [r[2:8] for r in _snapshot(demo)] == [r[2:8] for r in incremental]
