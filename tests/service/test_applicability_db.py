"""New facilities under QCVN 40:2025 / 19:2024 whose values are missing: "limit missing" in the
API and the stations layer, no episode; an officer enters the value (the limits overlay) and a
recompute turns the state into a judgement with episodes. Both backends.

Transition rules: TT 06/2025 Art. 3, TT 45/2024 Art. 3 (regulations-2026-12.md §1.1, §2.1).
Values are obviously test values (100, 50): never a regulatory figure.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from service.bootstrap import import_stations
from stations.compliance.engine import recompute
from stations.store.compliance import list_episodes
from stations.store.schema import hourly_means
from stations.timeutil import VN_OFFSET

H = 3600
REGISTRY = """
stations:
  - id: T_NEW_NT01
    name: Cơ sở mới (thử nghiệm) / new facility (test)
    kind: wastewater
    lon: 106.76
    lat: 21.85
    facility: Cơ sở mới
    commune: Tam Thanh
    parameters: [COD, pH]
    regulation: QCVN 40:2011/BTNMT
    column: B
    eia_approved_on: 2025-09-15
    permit_date: 2025-10-01
    synthetic: yes
  - id: T_OLD_NT01
    name: Cơ sở hiện hữu (thử nghiệm) / existing facility (test)
    kind: wastewater
    lon: 106.77
    lat: 21.85
    facility: Cơ sở hiện hữu
    commune: Tam Thanh
    parameters: [COD, pH]
    regulation: QCVN 40:2011/BTNMT
    column: B
    kq: 1
    kf: 1
    operating_since: 2012-05-01
    synthetic: yes
  - id: T_NEW_KHI01
    name: Ống khói mới (thử nghiệm) / new stack (test)
    kind: fluegas
    lon: 106.78
    lat: 21.85
    facility: Cơ sở mới
    commune: Tam Thanh
    parameters: [Dust]
    regulation: QCVN 19:2009/BTNMT
    column: B
    kp: 1
    kv: 1
    eia_approved_on: 2025-07-01
    synthetic: yes
"""
# (station, parameter, first local hour, mean) — six hours each, all far above the test values.
SERIES = [
    ("T_NEW_NT01", "COD", datetime(2026, 3, 1), 400.0),
    ("T_OLD_NT01", "COD", datetime(2026, 3, 1), 400.0),
    ("T_NEW_KHI01", "Dust", datetime(2025, 7, 1), 400.0),
]
TEST_CITATION = "TEST ONLY — not a regulatory value"


@pytest.fixture
def facilities(engine: Engine, tmp_path: Path) -> Engine:
    path = tmp_path / "stations.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    import_stations(engine, path)
    rows = [
        {"station_id": s, "parameter": p, "hour_start": _at(day) + i * H, "mean": v, "min": v,
         "max": v, "n_valid": 12, "n_total": 12, "unit": "mg/L" if p == "COD" else "mg/Nm³"}
        for s, p, day, v in SERIES
        for i in range(6)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), rows)
    return engine


def _at(local: datetime) -> int:
    return int(local.replace(tzinfo=VN_OFFSET).timestamp())


def _recompute(engine: Engine) -> dict[str, list[dict]]:
    start, end = _at(datetime(2025, 6, 30)), _at(datetime(2026, 3, 2))
    recompute(engine, start, end, end, station_ids=[s for s, *_ in SERIES])
    with engine.connect() as conn:
        return {s: list_episodes(conn, station_id=s) for s, *_ in SERIES}


def _fill(client, regulation: str, parameter: str, value: float) -> None:  # type: ignore[no-untyped-def]
    items = client.get(
        "/api/admin/limits", params={"regulation": regulation, "parameter": parameter}
    ).json()["items"]
    (row,) = [i for i in items if i["column_class"] == "B"]
    body = {"value": value, "confidence": "low", "citation": TEST_CITATION, "reason": "test"}
    assert client.put(f"/api/admin/limits/{row['key']}", json=body).status_code == 200


def test_missing_limit_then_override_and_recompute(facilities: Engine, client) -> None:  # type: ignore[no-untyped-def]
    episodes = _recompute(facilities)
    # Existing facility: QCVN 40:2011 cột B (COD 150) until 31/12/2031 at normal confidence.
    (old,) = episodes["T_OLD_NT01"]
    assert (old["regulation"], old["rule"], old["low_confidence"]) == (
        "QCVN 40:2011/BTNMT",
        "transition",
        False,
    )
    assert "Điều 3 TT 06/2025" in old["citation"]
    # New facilities: no value, no judgement, no episode.
    assert episodes["T_NEW_NT01"] == [] and episodes["T_NEW_KHI01"] == []
    summary = client.get(
        "/api/stations/T_NEW_NT01/compliance", params={"start": "2026-03-01", "end": "2026-03-02"}
    ).json()
    assert summary["state"] == "limit_missing" and "COD" in summary["limits_missing"]
    cod = next(u for u in summary["unresolved"] if u["parameter"] == "COD")
    assert cod["regulation"] == "QCVN 40:2025/BTNMT" and "cơ sở mới" in cod["rule_reason"]
    stations = {f["id"]: f["properties"] for f in client.get("/api/stations").json()["features"]}
    assert stations["T_NEW_NT01"]["compliance_state"] == "limit_missing"
    assert "COD" in stations["T_NEW_NT01"]["limits_missing"]

    before = client.get("/api/admin/missing-limits").json()
    group = next(g for g in before["groups"] if g["regulation"] == "QCVN 40:2025/BTNMT")
    assert group["table"] == "1" and any("TT 06/2025" in c for c in group["citations"])
    row = next(r for r in group["rows"] if (r["parameter"], r["column_class"]) == ("COD", "B"))
    assert "T_NEW_NT01" in row["stations"] and "T_NEW_NT01" in before["stations_affected"]

    _fill(client, "QCVN 40:2025", "COD", 100.0)
    _fill(client, "QCVN 19:2024", "Dust", 50.0)
    episodes = _recompute(facilities)
    (new_cod,) = episodes["T_NEW_NT01"]
    assert (new_cod["regulation"], new_cod["rule"], new_cod["limit"]) == (
        "QCVN 40:2025/BTNMT",
        "regulation",
        100.0,
    )
    (dust,) = episodes["T_NEW_KHI01"]
    assert (dust["regulation"], dust["limit"]) == ("QCVN 19:2024/BTNMT", 50.0)
    summary = client.get(
        "/api/stations/T_NEW_NT01/compliance", params={"start": "2026-03-01", "end": "2026-03-02"}
    ).json()
    assert "COD" not in summary["limits_missing"]
    assert client.get("/api/admin/missing-limits").json()["count"] == before["count"] - 2
    # Recording that the facility was in fact operating before 01/09/2025 (audited permit edit)
    # puts it back under QCVN 40:2011 until 31/12/2031: pH gets its 5.5–9 limit.
    assert "pH" in summary["limits_missing"]
    edit = {"operating_since": "2010-01-01", "reason": "hồ sơ vận hành / operating records"}
    assert client.patch("/api/admin/stations/T_NEW_NT01/permit", json=edit).status_code == 200
    summary = client.get(
        "/api/stations/T_NEW_NT01/compliance", params={"start": "2026-03-01", "end": "2026-03-02"}
    ).json()
    assert summary["limits_missing"] == [] and summary["state"] == "assessed"
