"""Level rises become alerts to the duty officer: one per commune per level, resolved after the
hold once the level falls (issue 17)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from layers.warnings import place_names, replay
from stations.alerts.config import AlertConfig
from stations.rain.alerts import raise_alerts
from stations.store import rain as store
from stations.store.alert_tables import alert_outbox, alerts
from tests.warnings.scenario import STEP, T0, load_places, storm, write_rain

CONFIG = AlertConfig.model_validate(
    {"contacts": [{"id": "duty", "email": "truc.ban@example.vn"}], "duty_officer": "duty"}
)
HOLD = 2 * 3600


def test_one_alert_per_commune_per_level_then_resolved(engine: Engine, tmp_path: Path) -> None:
    load_places(engine, tmp_path)
    series = storm([0, 0, 20, 150]) + [0.0] * 144
    write_rain(engine, "G1", series)
    write_rain(engine, "G2", series)
    end = T0 + (len(series) - 1) * STEP
    replay(engine, T0 + 3 * 86400, end, step_s=3600, hold_s=6 * 3600)
    with engine.begin() as conn:
        names = place_names(conn)
        by_time: dict[int, list[dict]] = {}
        for r in store.level_history(conn, T0, end):
            by_time.setdefault(r.at, []).append(dict(r._mapping))
        for at in sorted(by_time):  # the live chain, one assessment time after the other
            raise_alerts(conn, by_time[at], names, CONFIG, at, base_url="http://x", hold_s=HOLD)
        every = list(conn.execute(select(alerts).where(alerts.c.rule.like("qd18:%"))))
        rows = [r for r in every if r.rule.startswith("qd18:commune:")]
        outbox = list(conn.execute(select(alert_outbox)))
    rules = sorted(r.rule for r in rows)
    # A: level 1 then 2 (two alerts), B: level 1 (one alert), C: no data (none).
    assert rules == ["qd18:commune:A:1", "qd18:commune:A:2", "qd18:commune:B:1"]
    assert all(r.state == "resolved" for r in rows)  # the dry day outlasted both holds
    a2 = next(r for r in rows if r.rule == "qd18:commune:A:2")
    assert a2.severity == "major" and a2.station_id == "G1" and a2.unit == "mm"
    assert "Xã A" in a2.message_vi and "level 2" in a2.message_en
    opened = [m for m in outbox if "[MỚI]" in m.payload.get("subject", "")]
    assert {m.address for m in outbox} == {"truc.ban@example.vn"}
    assert len(opened) == len(every)  # each opening told once (communes and zones)
