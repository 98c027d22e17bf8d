"""The stations layer's per-parameter limit and ratio, open exceedances and AQI class.

Limits are resolved as the compliance engine does (permit first, else regulation × coefficients;
air: QCVN 05:2023 1-h where it exists, else 24-h); ratio = newest hourly mean ÷ limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from layers.stations_layer import station_features
from service.bootstrap import import_stations
from stations.averaging import hour_floor
from stations.store.compliance_tables import (
    aqi_hourly,
    exceedance_episodes,
    normalised_hourly_means,
)
from stations.store.schema import hourly_means, latest_values
from tests.layers.conftest import DEMO, NOW

HOUR = 3600
LAST_HOUR = hour_floor(NOW) - HOUR  # the newest complete hour before NOW


@dataclass(frozen=True)
class Case:
    station: str
    parameter: str
    unit: str
    mean: float | None  # newest hourly mean (None: no hourly mean stored)
    expected: dict[str, Any]
    normalised: float | None = None  # O2-normalised mean (flue gas)
    extra: dict[str, Any] = field(default_factory=dict)


NULLS = dict.fromkeys(
    (
        "limit",
        "limit_low",
        "limit_high",
        "limit_unit",
        "averaging",
        "low_confidence",
        "mean",
        "mean_hour",
        "ratio",
    )
)

CASES = {
    # LS_CCNHL_NT01 is under QCVN 40:2011 (COD 150 × Kq × Kf) but its permit says 120.
    "permit limit wins": Case(
        "LS_CCNHL_NT01",
        "COD",
        "mg/L",
        150.0,
        {"limit": 120.0, "limit_unit": "mg/L", "averaging": "1h", "low_confidence": False}
        | {"mean": 150.0, "ratio": 1.25},
    ),
    # LS_KCNDB_NT01: QCVN 40:2011 column B, COD 150 × Kq 0.9 × Kf 1.1; operating since 2009, so
    # it keeps QCVN 40:2011 until 31/12/2031 (TT 06/2025 Art. 3) at the value's own confidence.
    "regulation × coefficients": Case(
        "LS_KCNDB_NT01",
        "COD",
        "mg/L",
        74.25,
        {"limit": 148.5, "averaging": "1h", "low_confidence": False, "ratio": 0.5},
    ),
    "air: the 1-h limit where there is one": Case(
        "LS_SONNMT_KK01",
        "NO2",
        "µg/Nm³",
        100.0,
        {"limit": 200.0, "limit_unit": "µg/Nm³", "averaging": "1h", "ratio": 0.5},
    ),
    "air: else the 24-h limit": Case(
        "LS_SONNMT_KK01",
        "PM2.5",
        "µg/Nm³",
        90.0,
        {"limit": 45.0, "averaging": "24h", "low_confidence": False, "ratio": 2.0},
    ),
    "range limit (pH)": Case(
        "LS_CCNHL_NT01",
        "pH",
        "-",
        10.8,
        {"limit": None, "limit_low": 5.5, "limit_high": 9.0, "ratio": 1.2},
    ),
    "flue gas: the O2-normalised mean": Case(
        "LS_GTHT_KHI01",
        "Dust",
        "mg/Nm³",
        100.0,
        {"limit": 180.0, "mean": 198.0, "ratio": 1.1},
        normalised=198.0,
    ),
    "limit but no hourly mean yet": Case(
        "LS_CCNHL_NT01",
        "TSS",
        "mg/L",
        None,
        {"limit": 90.0, "mean": None, "mean_hour": None, "ratio": None},
    ),
    "no limit for the parameter": Case("LS_CCNHL_NT01", "Flow", "m³/h", 150.0, NULLS),
}


def _store(engine: Engine, case: Case) -> None:
    key = {"station_id": case.station, "parameter": case.parameter}
    with engine.begin() as conn:
        conn.execute(
            insert(latest_values).values(
                **key,
                observed_at=NOW - 60,
                value=case.mean if case.mean is not None else 1.0,
                unit=case.unit,
                status="00",
                qc_flags=0,
            )
        )
        if case.mean is None:
            return
        # An older hour with another mean: only the newest is used.
        for hour, mean in ((LAST_HOUR - HOUR, case.mean * 3), (LAST_HOUR, case.mean)):
            conn.execute(
                insert(hourly_means).values(
                    **key, hour_start=hour, mean=mean, n_valid=12, n_total=12, unit=case.unit
                )
            )
        if case.normalised is not None:
            conn.execute(
                insert(normalised_hourly_means).values(
                    **key,
                    hour_start=LAST_HOUR,
                    mean=case.normalised,
                    n_valid=12,
                    unit=case.unit,
                    o2_ref=17.0,
                    o2_constant=21.0,
                    updated_at=NOW,
                )
            )


def _properties(engine: Engine, station: str) -> dict[str, Any]:
    with engine.connect() as conn:
        fc = station_features(conn, NOW)
    return next(f["properties"] for f in fc["features"] if f["id"] == station)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_parameter_limit_and_ratio(engine: Engine, case: Case) -> None:
    import_stations(engine, DEMO / "stations.yaml")
    _store(engine, case)
    param = _properties(engine, case.station)["parameters"][case.parameter]
    assert set(NULLS) <= param.keys()
    for key, want in case.expected.items():
        got = param[key]
        if isinstance(want, float):
            assert got == pytest.approx(want), key
        else:
            assert got == want, key
    if case.mean is not None and param["averaging"] is not None:
        assert param["mean_hour"] == "2026-09-21T20:00:00+07:00"


def test_open_exceedances_and_aqi_class(engine: Engine) -> None:
    import_stations(engine, DEMO / "stations.yaml")
    with engine.begin() as conn:
        conn.execute(
            insert(exceedance_episodes).values(
                station_id="LS_CCNHL_NT01",
                parameter="COD",
                averaging="1h",
                kind="exceedance",
                rule="permit",
                limit_value=120.0,
                unit="mg/L",
                state="open",
                opened_at=LAST_HOUR - HOUR,
                last_period_end=LAST_HOUR + HOUR,
                peak_value=200.0,
                peak_ratio=200 / 120,
                last_value=150.0,
                last_ratio=1.25,
                band=1,
                low_confidence=False,
                citation="permit",
                updated_at=NOW,
            )
        )
        conn.execute(
            insert(aqi_hourly).values(
                station_id="LS_SONNMT_KK01",
                hour_start=LAST_HOUR,
                aqi=160,
                category=4,
                label_vi="Xấu",
                colour="#ff0000",
                dominant="PM2.5",
                sub_indices={"PM2.5": 160},
                concentrations={"PM2.5": 75.0},
                updated_at=NOW,
            )
        )
    exc = _properties(engine, "LS_CCNHL_NT01")
    assert exc["open_exceedances"] == 1
    assert exc["compliance_state"] == "exceeding"
    assert exc["exceedances"] == [
        {
            "parameter": "COD",
            "averaging": "1h",
            "mean": 150.0,
            "limit": 120.0,
            "unit": "mg/L",
            "ratio": 1.25,
            "band": 1,
            "since": "2026-09-21T19:00:00+07:00",
            "low_confidence": False,
        }
    ]
    air = _properties(engine, "LS_SONNMT_KK01")
    assert (air["aqi"], air["aqi_class"], air["aqi_label_en"]) == (160, "Xấu", "Bad")
    assert (air["aqi_category"], air["aqi_colour"]) == (4, "#ff0000")
    assert (air["exceedances"], air["open_exceedances"]) == ([], 0)


def test_api_and_ogc_items_carry_the_limits(client: Any, engine: Engine) -> None:
    """/api/stations and the OGC stations items are the same snapshot: same keys."""
    import_stations(engine, DEMO / "stations.yaml")
    _store(engine, CASES["permit limit wins"])
    api = client.get("/api/stations").json()
    ogc = client.get("/ogc/collections/stations/items?limit=100").json()
    for body in (api, ogc):
        props = next(f["properties"] for f in body["features"] if f["id"] == "LS_CCNHL_NT01")
        cod = props["parameters"]["COD"]
        assert (cod["limit"], cod["limit_unit"], cod["averaging"]) == (120.0, "mg/L", "1h")
        assert cod["ratio"] == pytest.approx(1.25)
        assert cod["low_confidence"] is False
        assert "exceedances" in props


# Hours of the stored means before the current hour, per parameter: the bulk "recent" pass
# answers when every parameter has a mean in the last two hours, else the site is looked up.
MEAN_AGES = {
    "all recent": {"COD": 1, "TSS": 0},
    "one parameter stale": {"COD": 1, "TSS": 5},
    "all stale": {"COD": 6, "TSS": 9},
    "beyond the lookback": {"COD": 30, "TSS": 2},
}


@pytest.mark.parametrize("ages", list(MEAN_AGES.values()), ids=list(MEAN_AGES))
def test_site_means_equal_the_per_site_lookup(engine: Engine, ages: dict[str, int]) -> None:
    from layers.stations_layer import latest_means, recent_means, site_means
    from stations.store.sites import get_site

    import_stations(engine, DEMO / "stations.yaml")
    station = "LS_CCNHL_NT01"
    with engine.begin() as conn:
        for parameter, age in ages.items():
            for extra in (0, 3):  # an older mean too: only the newest counts
                conn.execute(
                    insert(hourly_means).values(
                        station_id=station,
                        parameter=parameter,
                        hour_start=hour_floor(NOW) - (age + extra) * HOUR,
                        mean=10.0 * (age + extra + 1),
                        n_valid=12,
                        n_total=12,
                        unit="mg/L",
                    )
                )
    with engine.connect() as conn:
        site = get_site(conn, station)
        assert site is not None
        want = latest_means(conn, site, NOW - 60)
        got = site_means(conn, site, NOW - 60, recent_means(conn, NOW))
    assert got == want
    assert want["TSS"] == (hour_floor(NOW) - ages["TSS"] * HOUR, 10.0 * (ages["TSS"] + 1))
    assert ("COD" in want) == (ages["COD"] <= 24)
