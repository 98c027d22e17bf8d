"""/openapi.json describes the public JSON answers, and real answers match the description."""

from __future__ import annotations

from typing import Any

import pytest

from service.web.routes.answers import ExceedancesAnswer, HealthAnswer, ReadingsAnswer
from stations.compliance.engine import recompute
from tests.service.test_compliance import T0, H, _hourly, demo  # noqa: F401  (demo: fixture)
from tests.service.test_readings_api import loaded  # noqa: F401  (fixture)

WINDOW = {"start": "2026-11-19T09:00:00+07:00", "end": "2026-11-20T09:00:00+07:00"}


def _documented(client: Any, path: str) -> str:
    schema = client.get("/openapi.json").json()
    ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    return str(ok["schema"]["$ref"]).rsplit("/", 1)[-1]


def test_health_answer_is_documented_and_real(client: Any) -> None:
    assert _documented(client, "/healthz") == "HealthAnswer"
    HealthAnswer.model_validate(client.get("/healthz").json())


@pytest.mark.parametrize("interval", ["raw", "hour", "day"])
def test_readings_answer_is_documented_and_real(
    client: Any,
    loaded: Any,  # noqa: F811
    interval: str,
) -> None:
    path = "/api/stations/{station_id}/readings"
    assert _documented(client, path) == "ReadingsAnswer"
    params = {"interval": interval, **WINDOW}
    body = client.get("/api/stations/LS_XMDB_KHI01/readings", params=params).json()
    answer = ReadingsAnswer.model_validate(body)  # extra keys are refused: nothing undocumented
    assert answer.interval == interval and any(s.points for s in answer.series)


def test_exceedances_answer_is_documented_and_real(client: Any, demo: Any) -> None:  # noqa: F811
    assert _documented(client, "/api/exceedances") == "ExceedancesAnswer"
    # PM2.5 24-h mean 55 > 45 µg/Nm³ (QCVN 05:2023 Bảng 1, from 2026-01-01)
    _hourly(demo, "LS_SONNMT_KK01", "PM2.5", [20.0] * 12 + [90.0] * 12)
    recompute(demo, T0, T0 + 24 * H, now=T0 + 25 * H)
    body = client.get("/api/exceedances?start=2026-03-01&end=2026-03-03").json()
    answer = ExceedancesAnswer.model_validate(body)
    assert answer.count == len(answer.exceedances) >= 1
