"""``quantrac ingest`` of field-spelled files evaluates what it stored, with no extra command.

- A flue-gas stack writing ASCII ``mg/Nm3`` with O2 above its permit's reference: the SO2 hour is
  below the limit as measured but above it at reference O2 -> an episode and an alert with a
  notification queued (the data is two hours old).
- A stack backfilled a week late: its episode and alert are there, but nobody is paged for data
  older than ``timing.notify_max_age_hours`` (24 h).
- An ambient-air station writing ``ug/m3`` gets hourly means in µg/Nm³ and its VN_AQI.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from service.alerting.config import config_from_settings
from service.alerting.runtime import AlertRuntime
from service.bootstrap import import_stations
from service.cli import _load_commands, app
from service.database import make_engine
from service.demo.simulator.model import local_stamp
from service.settings import Settings
from stations.averaging import HOUR, hour_floor
from stations.store.alert_tables import alert_outbox, alerts
from stations.store.compliance_tables import aqi_hourly, exceedance_episodes
from stations.store.schema import hourly_means
from tests.fixtures.alerts.builders import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
FRESH, LATE, AIR = "LS_GTHT_KHI01", "LS_GTHT_KHI02", "LS_SONNMT_KK01"
STEP = 300


def _registry(path: Path) -> Path:
    demo = yaml.safe_load((ROOT / "stations" / "demo" / "stations.yaml").read_text("utf-8"))
    by_id = {s["id"]: s for s in demo["stations"]}
    late = {**by_id[FRESH], "id": LATE, "lon": 106.75}  # same permit: SO2 ≤ 450, O2 ref 17 %
    path.write_text(
        yaml.safe_dump({"stations": [by_id[AIR], by_id[FRESH], late]}, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def _alerts(path: Path) -> Path:
    data = {
        "rules": [{"id": "exceedance", "type": "exceedance"}],
        "contacts": [{"id": "officer", "name": "Cán bộ", "email": "officer@example.gov.vn"}],
        "lists": {"team": ["officer"]},
        "routes": [{"notify": ["team"]}],
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _stack_files(folder: Path, station: str, start: int, end: int, bad_hour: int) -> None:
    """5-minute files, ASCII units, LF and blanks; SO2 300 mg/Nm3 (x2 at reference O2) in the
    bad hour, 100 otherwise; O2 19 % (permit reference 17 %: factor (21-17)/(21-19) = 2)."""
    for t in range(start, end, STEP):
        so2 = 300 if bad_hour <= t < bad_hour + HOUR else 100
        stamp = local_stamp(t)
        text = f"SO2  {so2}  mg/Nm3  {stamp}  00\nO2  19  %  {stamp}  00\n"
        (folder / f"{station}_{stamp}.txt").write_bytes(text.encode("ascii"))


@pytest.mark.slow
@pytest.mark.smtp
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_backfill_opens_normalised_exceedances_pages_only_fresh_ones_and_gets_aqi(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("QUANTRAC_ALERTS_FILE", str(_alerts(tmp_path / "alerts.yaml")))
    engine = make_engine(db_url)
    import_stations(engine, _registry(tmp_path / "stations.yaml"))
    now = int(time.time())
    fresh_hour = hour_floor(now) - 2 * HOUR
    week_ago = fresh_hour - 7 * 86400
    folder = tmp_path / "in"
    folder.mkdir()
    _stack_files(folder, FRESH, fresh_hour - HOUR, fresh_hour + 2 * HOUR, fresh_hour)
    _stack_files(folder, LATE, week_ago, week_ago + 7 * 86400, week_ago + 3 * 86400)
    for t in range(fresh_hour - 12 * HOUR, fresh_hour + HOUR, STEP):  # 13 h of PM2.5
        stamp = local_stamp(t)
        (folder / f"{AIR}_{stamp}.txt").write_bytes(f"PM2.5 35.5 ug/m3 {stamp} 00\r\n".encode())
    _load_commands()
    result = CliRunner().invoke(app, ["--db", db_url, "ingest", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["quarantined"] == [] and summary["line_error_count"] == 0
    assert summary["noted"] == summary["files"]  # every file deviated, every one was kept
    assert summary["evaluation"]["stations"] == 3
    with engine.connect() as conn:
        episodes = {
            r.station_id: r
            for r in conn.execute(
                select(exceedance_episodes).where(
                    exceedance_episodes.c.parameter == "SO2",
                    exceedance_episodes.c.kind == "exceedance",
                )
            )
        }
        assert set(episodes) == {FRESH, LATE}
        for episode in episodes.values():
            assert episode.peak_value == pytest.approx(600.0)  # 300 measured, 600 at 17 % O2
            assert episode.unit == "mg/Nm³"
        opened = dict(
            conn.execute(
                select(alerts.c.station_id, alerts.c.id).where(alerts.c.parameter == "SO2")
            ).all()
        )
        assert set(opened) == {FRESH, LATE}
        paged = set(conn.scalars(select(alert_outbox.c.alert_id).distinct()))
        assert paged == {opened[FRESH]}  # the week-old exceedance is recorded, not paged
        units = set(
            conn.scalars(select(hourly_means.c.unit).where(hourly_means.c.station_id == AIR))
        )
        assert units == {"µg/Nm³"}
        n_aqi = conn.scalar(
            select(func.count()).select_from(aqi_hourly).where(aqi_hourly.c.station_id == AIR)
        )
        assert n_aqi and n_aqi > 0
    # The queued notification reaches a real SMTP server through the alert sender.
    smtp = SmtpServer()
    smtp.start()
    try:
        monkeypatch.setenv("QUANTRAC_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("QUANTRAC_SMTP_PORT", str(smtp.port))
        settings = Settings(db_url=db_url)
        runtime = AlertRuntime(settings, engine, config_from_settings(settings))
        assert runtime.send().sent == 1
        (mail,) = smtp.messages
        assert "Gạch Hợp Thành" in mail["Subject"] and mail["To"] == "officer@example.gov.vn"
    finally:
        smtp.stop()
    engine.dispose()
