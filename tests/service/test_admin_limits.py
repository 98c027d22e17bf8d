"""``/api/admin/limits``: the overlay changes what the engine applies, reverts, refuses invalid
edits without touching the file, and audits before/after. Both backends.

Values are obviously test values (111, 777): never a regulatory figure.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from service.bootstrap import import_stations
from service.settings import Settings
from stations.limits import load_limits
from stations.store.schema import hourly_means
from stations.timeutil import VN_OFFSET

DEMO = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
AIR = "LS_SONNMT_KK01"
T0 = int(datetime(2026, 3, 1, tzinfo=VN_OFFSET).timestamp())
DAY = datetime(2026, 3, 1).date()
TEST_CITATION = "TEST ONLY — not a regulatory value"


def _key(client, regulation: str, parameter: str, averaging: str, **extra: str) -> dict:  # type: ignore[no-untyped-def]
    items = client.get(
        "/api/admin/limits", params={"regulation": regulation, "parameter": parameter}
    ).json()["items"]
    wanted = {"averaging": averaging, **extra}
    (item,) = [i for i in items if all(i.get(k) == v for k, v in wanted.items())]
    return item


def _edit(value: float | None = None, **fields: object) -> dict[str, object]:
    return {
        "value": value,
        "confidence": "low",
        "citation": TEST_CITATION,
        "reason": "kiểm thử / test",
        **fields,
    }


def _no2_summary(client) -> dict:  # type: ignore[no-untyped-def]
    body = client.get(f"/api/stations/{AIR}/compliance?start=2026-03-01&end=2026-03-02").json()
    return next(s for s in body["series"] if (s["parameter"], s["averaging"]) == ("NO2", "1h"))


@pytest.fixture
def demo(engine: Engine) -> Engine:
    import_stations(engine, DEMO)
    rows = [
        {"station_id": AIR, "parameter": "NO2", "hour_start": T0 + i * 3600, "mean": 150.0,
         "min": 150.0, "max": 150.0, "n_valid": 12, "n_total": 12, "unit": "µg/Nm³"}
        for i in range(24)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(hourly_means), rows)
    return engine


def test_listing_filters_and_marks_missing_rows(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get(
        "/api/admin/limits", params={"regulation": "40:2025", "missing": "true"}
    ).json()
    assert body["overrides_file"].endswith("limits/overrides.csv")
    items = body["items"]
    assert items and all(i["missing"] and i["source"] == "package" for i in items)
    assert all(i["regulation"] == "QCVN 40:2025/BTNMT" for i in items)
    assert len({i["key"] for i in items}) == len(items)
    cod = _key(client, "QCVN 40:2025", "COD", "sample", column_class="B")
    assert client.get(f"/api/admin/limits/{cod['key']}").json() == cod


def test_an_override_changes_the_applied_limit_and_revert_restores_it(  # type: ignore[no-untyped-def]
    demo: Engine, client, settings: Settings
) -> None:
    before = _no2_summary(client)
    assert before["limit"]["value"] == 200.0 and before["pct_compliant"] == 100.0
    row = _key(client, "QCVN 05:2023", "NO2", "1h")
    put = client.put(f"/api/admin/limits/{row['key']}", json=_edit(111.0))
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "override" and put.json()["value"] == 111.0
    assert put.json()["package"]["value"] == 200.0
    assert (settings.data_dir / "limits" / "overrides.csv").exists()

    # The engine and every load_limits() caller see it without a restart.
    assert load_limits().find("QCVN 05:2023", "NO2", "1h", day=DAY).value == 111.0  # type: ignore[union-attr]
    after = _no2_summary(client)
    assert after["limit"]["value"] == 111.0 and after["limit"]["citation"] == TEST_CITATION
    assert after["pct_compliant"] == 0.0  # 150 > 111 in every hour

    revert = client.delete(f"/api/admin/limits/{row['key']}", params={"reason": "hoàn tác"})
    assert revert.status_code == 200, revert.text
    assert revert.json()["source"] == "package" and revert.json()["value"] == 200.0
    assert _no2_summary(client)["limit"]["value"] == 200.0

    trail = client.get("/api/admin/audit", params={"target": f"limit:{row['key']}"}).json()
    revert_entry, edit_entry = trail["items"]
    assert (edit_entry["action"], edit_entry["reason"]) == ("limit.override", "kiểm thử / test")
    assert edit_entry["actor"] == "local"
    assert edit_entry["before"]["value"] == 200.0 and edit_entry["after"]["value"] == 111.0
    assert edit_entry["before"]["source"] == "package"
    assert edit_entry["after"]["parameter"] == "NO2" and edit_entry["after"]["averaging"] == "1h"
    assert revert_entry["action"] == "limit.revert" and revert_entry["reason"] == "hoàn tác"
    assert revert_entry["before"]["value"] == 111.0 and revert_entry["after"]["value"] == 200.0


def test_filling_a_missing_value(client) -> None:  # type: ignore[no-untyped-def]
    params = {"regulation": "QCVN 40:2025", "missing": "true"}
    missing = len(client.get("/api/admin/limits", params=params).json()["items"])
    cod = _key(client, "QCVN 40:2025", "COD", "sample", column_class="B")
    put = client.put(f"/api/admin/limits/{cod['key']}", json=_edit(777.0))
    assert put.status_code == 200, put.text
    assert put.json()["missing"] is False and put.json()["package"]["confidence"] == "missing"
    assert len(client.get("/api/admin/limits", params=params).json()["items"]) == missing - 1
    found = load_limits().find("QCVN 40:2025", "COD", "sample", column="B", day=DAY)
    assert found is not None and found.value == 777.0


INVALID_EDITS = [
    pytest.param(
        ("QCVN 05:2023", "NO2", "1h", {}), _edit(777.0, low=1.0), "not both", id="value-and-range"
    ),
    pytest.param(
        ("QCVN 05:2023", "NO2", "1h", {}),
        _edit(777.0, confidence="missing"),
        "confidence 'missing' but a value",
        id="missing-with-a-value",
    ),
    pytest.param(
        ("QCVN 05:2023", "NO2", "1h", {}), _edit(None), "no value", id="no-value-not-missing"
    ),
    pytest.param(
        ("QCVN 05:2023", "PM2.5", "24h", {"effective_from": "2023-09-12"}),
        _edit(50.0, effective_to="2026-06-30"),
        "overlaps",
        id="overlaps-the-next-row",
    ),
]


@pytest.mark.parametrize(("row", "body", "message"), INVALID_EDITS)
def test_an_invalid_edit_is_422_and_changes_nothing(  # type: ignore[no-untyped-def]
    client, settings: Settings, row: tuple, body: dict, message: str
) -> None:
    path = settings.data_dir / "limits" / "overrides.csv"
    # One valid override first, so "unchanged" means the same bytes, not just "still absent".
    other = _key(client, "QCVN 05:2023", "SO2", "1h")
    assert client.put(f"/api/admin/limits/{other['key']}", json=_edit(777.0)).status_code == 200
    content = path.read_bytes()
    regulation, parameter, averaging, extra = row
    target = _key(client, regulation, parameter, averaging, **extra)
    response = client.put(f"/api/admin/limits/{target['key']}", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert path.read_bytes() == content
    trail = client.get("/api/admin/audit", params={"target": f"limit:{target['key']}"}).json()
    assert trail["total"] == 0


REFUSED = [
    pytest.param("put", "0123456789abcdef", _edit(1.0), 404, id="unknown-key"),
    pytest.param("delete", "0123456789abcdef", None, 404, id="unknown-key-revert"),
    pytest.param("delete", "NO2", None, 409, id="revert-a-package-row"),
    pytest.param("put", "NO2", {**_edit(1.0), "reason": ""}, 422, id="no-reason"),
    pytest.param("put", "NO2", {**_edit(1.0), "value": "nan"}, 422, id="not-a-number"),
]


@pytest.mark.parametrize(("method", "key", "body", "status"), REFUSED)
def test_refused_requests(client, method: str, key: str, body: dict | None, status: int) -> None:  # type: ignore[no-untyped-def]
    if key == "NO2":
        key = _key(client, "QCVN 05:2023", "NO2", "1h")["key"]
    if method == "put":
        response = client.put(f"/api/admin/limits/{key}", json=body)
    else:
        response = client.delete(f"/api/admin/limits/{key}", params={"reason": "kiểm thử"})
    assert response.status_code == status, response.text
    assert "detail" in response.json()
