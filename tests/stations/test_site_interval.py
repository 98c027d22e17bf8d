"""``Site.interval_s``: one rule for the expected interval, used by compliance, alerts and the
map (regulations.md: one file at most every 5 minutes, the default)."""

from __future__ import annotations

from typing import Any

import pytest

from stations.compliance.inputs import expected_readings
from stations.sites import Site
from stations.status import DataStatus, data_status

CASES = [
    pytest.param({"polling": {"interval_minutes": 1}}, 60.0, id="one-minute"),
    pytest.param({"polling": {"interval_minutes": 2.5}}, 150.0, id="fraction"),
    pytest.param({"polling": {"interval_minutes": 0}}, 300.0, id="zero-is-default"),
    pytest.param({"polling": {"interval_minutes": None}}, 300.0, id="none-is-default"),
    pytest.param({"polling": {"interval_minutes": -5}}, 300.0, id="negative-is-default"),
    pytest.param({"polling": {}}, 300.0, id="missing-is-default"),
    pytest.param({}, 300.0, id="no-polling-section"),
]


def _site(config: dict[str, Any]) -> Site:
    return Site("S1", "Trạm 1", "station", "air", "ambient_air", 106.7, 21.8, config=config)


@pytest.mark.parametrize(("config", "seconds"), CASES)
def test_interval_rule(config: dict[str, Any], seconds: float) -> None:
    site = _site(config)
    assert site.interval_s == seconds
    assert expected_readings(site) == max(1, round(3600 / seconds))


def test_zero_interval_does_not_make_a_fresh_station_offline() -> None:
    site = _site({"polling": {"interval_minutes": 0}})
    # 4 minutes after its last file a station on the default 5-minute interval is online.
    assert data_status(1_000, 1_240, site.interval_s) is DataStatus.ONLINE
