"""The after-ingest chain's reads and writes on the DBAPI cursor (issue 20) give what the rules
say, on both backends: O2-normalised hourly means rebuilt hour by hour as batches arrive
(QCVN 19/22: C_ref = C·(21 − O2_ref)/(21 − O2), same-timestamp O2, status 00, QC-passed),
hourly means kept only when complete (⌈0.75·12⌉ = 9 valid readings), and the alert pass's
newest reading per station taken from the analyser states it reads anyway."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, insert, select

from service.bootstrap import import_stations
from stations.alerts.signals import instrument_states, newest_by_station
from stations.averaging import complete_hours, o2_normalise
from stations.compliance.inputs import expected_readings, load_hours_many, refresh_normalised_many
from stations.qc import Flag
from stations.store.compliance_tables import normalised_hourly_means
from stations.store.schema import hourly_means, latest_values, readings
from stations.store.sites import list_sites
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())
H, STEP = 3600, 300
STACK = "LS_NMNDNA_KHI01"  # QCVN 22, O2_ref 6 %, 5-minute readings
AIR = "LS_SONNMT_KK01"


def _sites(engine: Engine) -> dict[str, Any]:
    import_stations(engine, DEMO)
    with engine.connect() as conn:
        return {s.id: s for s in list_sites(conn, site_type="station")}


def _reading(i: int, parameter: str, value: float, status: str = "00", flags: int = 0) -> dict:
    return {"station_id": STACK, "parameter": parameter, "observed_at": T0 + i * STEP,
            "value": value, "unit": "%" if parameter == "O2" else "mg/Nm3", "status": status,
            "qc_flags": flags}  # fmt: skip


# One hour of the stack, 5-minute steps i = 0..11: Dust 50 + i mg/Nm3 with O2 10 %, except
# i = 3 calibrating (status 01), i = 4 flagged out of range, i = 10 O2 at 21 % (no
# normalisation possible), i = 11 without an O2 reading. Valid: 0, 1, 2, 5, 6, 7, 8, 9.
def _hour_readings(indices: range) -> list[dict]:
    rows = []
    for i in indices:
        status = "01" if i == 3 else "00"
        flags = int(Flag.OUT_OF_RANGE) if i == 4 else 0
        rows.append(_reading(i, "Dust", 50.0 + i, status, flags))
        if i < 11:
            rows.append(_reading(i, "O2", 21.0 if i == 10 else 10.0))
    return rows


def _expected(valid: list[int]) -> tuple[float, int]:
    values = [o2_normalise(50.0 + i, 10.0, 6.0, 21.0) for i in valid]
    return sum(v for v in values if v is not None) / len(values), len(values)


def _normalised(engine: Engine) -> dict[tuple[str, int], tuple[float, int]]:
    n = normalised_hourly_means.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(n.parameter, n.hour_start, n.mean, n.n_valid, n.o2_ref).where(
                n.station_id == STACK
            )
        ).all()
    assert all(r.o2_ref == 6.0 for r in rows)
    return {(r.parameter, int(r.hour_start)): (r.mean, r.n_valid) for r in rows}


def test_normalised_hours_are_rebuilt_as_batches_arrive(engine: Engine) -> None:
    site = _sites(engine)[STACK]
    with engine.begin() as conn:  # first batch: the first half of the hour
        conn.execute(insert(readings), _hour_readings(range(6)))
        written = refresh_normalised_many(conn, [(site, T0, T0 + H)], now=T0 + H)
    assert written == 1
    mean, n = _normalised(engine)[("Dust", T0)]
    assert (mean, n) == pytest.approx(_expected([0, 1, 2, 5]))
    with engine.begin() as conn:  # second batch: the rest, and the first file of the next hour
        late = [{**r, "observed_at": r["observed_at"] + H} for r in _hour_readings(range(1))]
        conn.execute(insert(readings), _hour_readings(range(6, 12)) + late)
        refresh_normalised_many(conn, [(site, T0, T0 + 2 * H)], now=T0 + 2 * H)
    found = _normalised(engine)
    assert found[("Dust", T0)] == pytest.approx(_expected([0, 1, 2, 5, 6, 7, 8, 9]))
    assert found[("Dust", T0 + H)] == pytest.approx(_expected([0]))
    assert set(found) == {("Dust", T0), ("Dust", T0 + H)}  # one row per hour, O2 not normalised
    with engine.begin() as conn:  # a batch touching only the next hour leaves the first alone
        refresh_normalised_many(conn, [(site, T0 + H, T0 + 2 * H)], now=T0 + 3 * H)
    assert _normalised(engine) == found


def test_complete_hours_are_filtered_as_the_rules_say(engine: Engine) -> None:
    sites = _sites(engine)
    stack, air = sites[STACK], sites[AIR]
    assert expected_readings(stack) == 12
    hours = [(1.0, 12), (2.0, 9), (3.0, 8), (None, 12), (5.0, 10)]  # (mean, n_valid)
    rows = [
        {"station_id": sid, "parameter": parameter, "hour_start": T0 + k * H, "mean": mean,
         "min": mean, "max": mean, "n_valid": n, "n_total": 12, "unit": "x"}
        for sid, parameter in ((STACK, "Temp"), (AIR, "PM2.5"))
        for k, (mean, n) in enumerate(hours)
    ]  # fmt: skip
    # a parameter whose only hour is incomplete is present with no hours
    rows.append({**rows[0], "parameter": "Flow", "n_valid": 2})
    norm = {"station_id": STACK, "parameter": "Dust", "unit": "mg/Nm3", "o2_ref": 6.0,
            "o2_constant": 21.0, "updated_at": 0}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), rows)
        conn.execute(insert(normalised_hourly_means), [
            {**norm, "hour_start": T0 + k * H, "mean": 10.0 * k, "n_valid": n}
            for k, n in enumerate([12, 9, 8, 12, 9])
        ])  # fmt: skip
        # different windows in one group: each station keeps only its own hours
        windows = [(stack, T0, T0 + 5 * H), (air, T0 + H, T0 + 4 * H)]
        got = load_hours_many(conn, windows)
    assert got[STACK]["Temp"] == {T0: 1.0, T0 + H: 2.0, T0 + 4 * H: 5.0}
    assert got[STACK]["Flow"] == {}
    assert got[STACK]["Dust"] == {T0: 0.0, T0 + H: 10.0, T0 + 3 * H: 30.0, T0 + 4 * H: 40.0}
    assert got[AIR] == {"PM2.5": {T0 + H: 2.0}}
    # the same answer as the averaging module's rule over the raw rows
    reference = complete_hours([(T0 + k * H, m, n) for k, (m, n) in enumerate(hours)], 12)
    assert got[STACK]["Temp"] == reference


def _newest_per_station(conn: Connection, ids: set[str] | None) -> dict[str, int]:
    """The grouped query the alert pass ran before: max(observed_at) of latest_values."""
    lv = latest_values.c
    query = select(lv.station_id, func.max(lv.observed_at)).group_by(lv.station_id)
    if ids is not None:
        query = query.where(lv.station_id.in_(sorted(ids)))
    return {station: int(at) for station, at in conn.execute(query)}


def test_the_alert_pass_takes_each_stations_newest_reading_from_the_states(
    engine: Engine,
) -> None:
    _sites(engine)
    latest = [(STACK, "Dust", T0 + 600, "00"), (STACK, "O2", T0 + 900, "02"),
              (AIR, "PM2.5", T0 + 300, "01"), (AIR, "CO", T0 + 1200, "00")]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(readings), [
            {"station_id": s, "parameter": p, "observed_at": t, "value": 1.0, "unit": "x",
             "status": st, "qc_flags": 0} for s, p, t, st in latest
        ])  # fmt: skip
        conn.execute(insert(latest_values), [
            {"station_id": s, "parameter": p, "observed_at": t, "value": 1.0, "unit": "x",
             "status": st, "qc_flags": 0} for s, p, t, st in latest
        ])  # fmt: skip
    with engine.connect() as conn:
        for ids in (None, {STACK}, {STACK, AIR}, set()):
            states = instrument_states(conn, ids)
            assert newest_by_station(states) == _newest_per_station(conn, ids)
        states = instrument_states(conn, None)
    assert newest_by_station(states) == {STACK: T0 + 900, AIR: T0 + 1200}
    assert states[(AIR, "PM2.5")].status == "01" and states[(AIR, "PM2.5")].since == T0 + 300
