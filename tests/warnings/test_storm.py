"""The SYNTHETIC demo storm, communes and gauges (what `quantrac demo` shows)."""

from __future__ import annotations

import shapely

from service.demo.rain import synthetic_events
from service.demo.simulator.model import Scenario, StationModel, value_at
from service.demo.simulator.storm import demo_storm
from service.demo.synthetic_communes import gauge_sites, synthetic_communes
from stations.rain import qc

NOW = 1_790_000_400


def test_storm_crosses_the_province_over_days_with_varying_values() -> None:
    storm = demo_storm(NOW)
    lon, lat = 106.76, 21.85  # Lạng Sơn city
    day = [storm.rain_mm("G", lon, lat, NOW - k * 600, 600) for k in range(144)]
    before = [storm.rain_mm("G", lon, lat, storm.start - k * 600, 600) for k in range(1, 20)]
    assert 100 <= sum(day) <= 250  # 24 h before "now": inside the Điều 46 bands
    assert set(before) == {0.0}  # nothing before the storm starts
    assert qc.check(day, 600)[1] == {}  # no value repeats for hours (a stuck gauge would)
    gauge = StationModel("G", "rain", {"Rain": "mm"}, lon, lat)
    assert value_at(gauge, "Rain", NOW, Scenario(storm=storm)) == storm.rain_mm(
        "G", lon, lat, NOW, 600
    )
    assert value_at(gauge, "Rain", NOW, Scenario()) == 0.0  # no storm, no rain


def test_synthetic_communes_and_gauges_cover_the_province() -> None:
    communes = synthetic_communes()
    assert len(communes) == 65 and len({c[0] for c in communes}) == 65
    union = shapely.union_all([g for _, _, g in communes])
    gauges = gauge_sites()
    assert len(gauges) == 20
    assert all(union.buffer(1e-6).contains(shapely.Point(lon, lat)) for _, lon, lat in gauges)
    storm = demo_storm(NOW)
    events = synthetic_events(storm, communes, NOW - 4 * 86400, NOW)
    assert events and all(c.startswith("sim-") for c, _ in events)
