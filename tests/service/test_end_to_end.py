"""The whole alert chain with nothing inserted by hand (issue 5, "driven by the station simulator").

The station simulator uploads Circular 10/2021 files for one demo wastewater station to a real
pyftpdlib server on 127.0.0.1; the service (``create_app``, scheduler on) polls it from its
sources file, ingests each file, and its after-ingest hooks run the compliance engine and then
the alert engine; the outbox sender delivers to a real aiosmtpd server and a real HTTP receiver
that checks the HMAC signature.

Time: the exceedance needs a complete clock hour of 5-minute files, so the datalogger uploads
it as a backlog (the simulator's clock is stepped slot by slot, the files land a few hours in the
past). A backlog that old makes the station count as offline against the wall clock, so that
test's alerts file has no offline rule; silence is the second test, where the datalogger's
clock is skewed back to just under the offline threshold (3 intervals + 5 min grace), so a
stop of a few seconds is enough to cross it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from service.alerting.channels import SIGNATURE_HEADER, verify
from service.bootstrap import import_stations
from service.demo.simulator.ftp_server import LocalFtpServer
from service.demo.simulator.model import Scenario, StationModel, Window
from service.demo.simulator.runner import FtpUploader, LiveSimulator
from service.settings import Settings
from service.web.app import create_app
from stations.averaging import HOUR, hour_floor
from stations.status import TRANSMISSION_GRACE_S
from stations.store.schema import latest_values
from stations.store.sites import get_site
from tests.fixtures.alerts.builders import SmtpServer, WebhookReceiver, wait_for

pytestmark = [pytest.mark.ftp, pytest.mark.smtp, pytest.mark.slow]

DEMO_STATIONS = Path(__file__).resolve().parents[2] / "stations" / "demo" / "stations.yaml"
EXCEEDING = "LS_CCNHL_NT01"  # permit: COD ≤ 120 mg/L (1-h means), 5-minute datalogger
SILENT = "LS_NMNDNA_NT01"
STEP = 300  # the demo dataloggers' interval
FTP_PASSWORD = "e2e-ftp-password"
SECRET = b"e2e-webhook-secret"
KEY = re.compile(r"qt-(\d+)-(\d+)-")


@dataclass
class Chain:
    """The running service and the real servers around it."""

    client: TestClient
    engine: Engine
    ftp: LocalFtpServer
    smtp: SmtpServer
    hook: WebhookReceiver

    def uploader(self) -> FtpUploader:
        return FtpUploader("127.0.0.1", self.ftp.port, "datalogger", FTP_PASSWORD)

    def model(self, station_id: str) -> StationModel:
        with self.engine.connect() as conn:
            site = get_site(conn, station_id)
        assert site is not None
        return StationModel(site.id, site.kind, site.parameters)

    def waiting_files(self) -> int:
        """Files on the FTP server not yet ingested (moved to processed/ after commit)."""
        return sum(1 for p in self.ftp.root.rglob("*.txt") if "processed" not in p.parts)

    def notifications(self) -> list[tuple[str, str, str]]:
        """``(rule, station, notification)`` of every webhook call, in arrival order."""
        return [
            (
                c["json"]["alert"]["rule"],
                c["json"]["alert"]["station_id"],
                c["json"]["notification"],
            )
            for c in self.hook.calls
        ]

    def check_deliveries(self) -> None:
        """Every webhook call is signed; the e-mails are the same notifications (one each)."""
        for call in self.hook.calls:
            header = call["headers"][SIGNATURE_HEADER]
            assert verify(SECRET, header, call["body"], now=int(time.time())), header
            assert call["headers"]["Idempotency-Key"] == call["json"]["idempotency_key"]
        hooked = [(c["json"]["alert"]["id"], c["json"]["event_id"]) for c in self.hook.calls]
        mailed = [
            tuple(int(x) for x in KEY.match(m["X-Quantrac-Idempotency-Key"]).groups())  # type: ignore[union-attr]
            for m in self.smtp.messages
        ]
        assert len(set(hooked)) == len(hooked)
        assert sorted(mailed) == sorted(hooked)


def _sources_file(path: Path, ftp_port: int) -> Path:
    source = {
        "id": "ftp-e2e",
        "type": "ftp",
        "host": "127.0.0.1",
        "port": ftp_port,
        "user": "datalogger",
        "password": "${E2E_FTP_PASSWORD}",
        "after": "move",
    }
    defaults = {"interval_seconds": 0.5, "timeout_seconds": 5, "retries": 1, "backoff_seconds": 0.1}
    path.write_text(yaml.safe_dump({"defaults": defaults, "sources": [source]}), encoding="utf-8")
    return path


def _alerts_file(path: Path, webhook_url: str, rules: list[dict[str, Any]]) -> Path:
    data = {
        "rules": rules,
        "contacts": [
            {"id": "officer", "name": "Cán bộ trực", "email": "officer@sonnmt.langson.gov.vn"},
            {"id": "system", "webhook": webhook_url, "channels": ["webhook"]},
        ],
        "lists": {"team": ["officer", "system"]},
        "routes": [{"notify": ["team"]}],
        "timing": {"reminder_hours": 24, "escalate_after_minutes": 600},
        "delivery": {
            "send_interval_seconds": 1,
            "evaluate_interval_seconds": 1,
            "retry_base_seconds": 1,
            "retry_max_seconds": 5,
        },
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@contextmanager
def running_chain(
    settings: Settings,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    rules: list[dict[str, Any]],
) -> Iterator[Chain]:
    """FTP, SMTP and webhook servers, the demo registry, and the service with its scheduler."""
    monkeypatch.setenv("E2E_FTP_PASSWORD", FTP_PASSWORD)
    import_stations(engine, DEMO_STATIONS)
    smtp, hook = SmtpServer(), WebhookReceiver()
    smtp.start()
    try:
        with LocalFtpServer(tmp_path / "ftp", password=FTP_PASSWORD) as ftp:
            s = settings.model_copy(
                update={
                    "sources_file": _sources_file(tmp_path / "sources.yaml", ftp.port),
                    "alerts_file": _alerts_file(tmp_path / "alerts.yaml", hook.url, rules),
                    "smtp_host": "127.0.0.1",
                    "smtp_port": smtp.port,
                    "webhook_secret": SecretStr(SECRET.decode()),
                    "scheduler_enabled": True,
                }
            )
            with TestClient(create_app(s, scheduler=True)) as client:  # lifespan: scheduler
                yield Chain(client, engine, ftp, smtp, hook)
    finally:
        smtp.stop()
        hook.close()


class SteppedClock:
    """The simulator's clock, set by the test: one ``tick`` sends the file of slot ``t``."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_exceedance_episode_opened_then_resolved_by_email_and_webhook(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [
        {"id": "exceedance", "type": "exceedance", "resolve_hold_minutes": 10},
        {"id": "device_error", "type": "device_error"},
        {"id": "calibration", "type": "calibration"},
    ]
    with running_chain(settings, engine, tmp_path, monkeypatch, rules) as chain:
        bad_hour = hour_floor(int(time.time())) - 3 * HOUR
        scenario = Scenario(exceedances=(Window(EXCEEDING, bad_hour, bad_hour + HOUR, "COD", 3.0),))
        clock = SteppedClock()
        sim = LiveSimulator(
            [chain.model(EXCEEDING)], scenario, chain.uploader(), period_s=STEP, clock=clock
        )

        def upload(start: int, end: int) -> None:
            for slot in range(start, end, STEP):
                clock.t = slot
                assert sim.tick() == 1

        def ingested() -> bool:
            return chain.waiting_files() == 0

        # A compliant hour, then the bad hour up to its last file: nothing to report yet.
        upload(bad_hour - HOUR, bad_hour + HOUR - STEP)
        wait_for(ingested, timeout=20)
        time.sleep(1.5)  # a sender run and an evaluation pass
        assert chain.notifications() == [] and chain.smtp.messages == []

        # The file that completes the hour: its ingest opens the episode.
        started = time.monotonic()
        upload(bad_hour + HOUR - STEP, bad_hour + HOUR)
        wait_for(lambda: chain.smtp.messages and chain.hook.calls, timeout=10)
        elapsed = time.monotonic() - started
        assert elapsed < 10
        assert chain.notifications() == [("exceedance", EXCEEDING, "opened")]
        opened = chain.hook.calls[0]["json"]["alert"]
        assert opened["parameter"] == "COD" and opened["limit_value"] == 120.0
        assert opened["ratio"] > 1 and opened["value"] > 120
        mail = chain.smtp.messages[0]
        assert mail["To"] == "officer@sonnmt.langson.gov.vn"
        assert "COD" in mail["Subject"] or "oxy" in mail["Subject"]

        # Values drop: the next hour closes the episode; 15 more minutes pass the 10-min hold.
        upload(bad_hour + HOUR, bad_hour + 2 * HOUR + 15 * 60)
        wait_for(lambda: len(chain.hook.calls) >= 2 and len(chain.smtp.messages) >= 2, 20)
        time.sleep(1.5)  # anything extra (a duplicate, a flap) would arrive by now
        assert chain.notifications() == [
            ("exceedance", EXCEEDING, "opened"),
            ("exceedance", EXCEEDING, "resolved"),
        ]
        assert len(chain.smtp.messages) == 2
        chain.check_deliveries()
        alerts = chain.client.get("/api/alerts").json()
        items = alerts["items"] if isinstance(alerts, dict) else alerts
        assert [(a["rule"], a["state"]) for a in items] == [("exceedance", "resolved")]
    print(f"ingest → e-mail + webhook: {elapsed:.2f} s")


def test_silent_station_one_offline_alert_and_one_resolution(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = [
        {"id": "exceedance", "type": "exceedance"},
        {"id": "offline", "type": "offline", "resolve_hold_minutes": 0},
    ]
    offline_after_s = 3 * STEP + TRANSMISSION_GRACE_S
    # The datalogger's clock runs 12 s short of the offline threshold behind ours: while it sends
    # every 2 s the station is "delayed"; silent for ~12 s it is offline.
    scenario = Scenario(clock_skew={SILENT: -(offline_after_s - 12)})
    with running_chain(settings, engine, tmp_path, monkeypatch, rules) as chain:

        def simulator() -> LiveSimulator:
            return LiveSimulator(
                [chain.model(SILENT)], scenario, chain.uploader(), period_s=2
            ).start()

        def stored() -> int:
            with engine.connect() as conn:
                query = select(func.max(latest_values.c.observed_at)).where(
                    latest_values.c.station_id == SILENT
                )
                return int(conn.scalar(query) or 0)

        sim = simulator()
        wait_for(lambda: stored() > 0, timeout=10)
        time.sleep(2)
        sim.stop()  # the station goes silent
        wait_for(lambda: chain.hook.calls and chain.smtp.messages, timeout=20)
        assert chain.notifications() == [("offline", SILENT, "opened")]

        sim = simulator()  # data returns
        try:
            wait_for(lambda: len(chain.hook.calls) >= 2 and len(chain.smtp.messages) >= 2, 10)
            time.sleep(2)
        finally:
            sim.stop()
        assert chain.notifications() == [
            ("offline", SILENT, "opened"),
            ("offline", SILENT, "resolved"),
        ]
        assert len(chain.smtp.messages) == 2
        chain.check_deliveries()
