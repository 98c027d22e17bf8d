"""The forwarding file, and what the service shows about forwarding: the admin API and page,
/metrics (with the lag alert) and ``quantrac forward status | reconcile | retry``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.database import make_engine
from service.demo.simulator.model import Scenario, station_file
from service.forward_config import load_forwarding, route_of
from service.forwarding import build_forwarding
from service.settings import Settings
from service.web.app import create_app
from stations.errors import InvalidRequest
from stations.forward.outbox import DEAD
from stations.ingest.pipeline import IncomingFile, IngestOptions, ingest_batch
from stations.store.forward_tables import forward_outbox
from stations.store.readings import station_units
from stations.timeutil import local_to_epoch, now_epoch
from tests.fixtures.forwarding import MINISTRY_PASSWORD, forward_file, models

ROOT = Path(__file__).resolve().parents[2]


def test_forwarding_file_expands_secrets_and_applies_defaults(tmp_path: Path) -> None:
    path = forward_file(tmp_path, 2121, start="2026-12-01", kinds=["air"], backoff_seconds=None)
    config = load_forwarding(path, env={"TEST_MINISTRY_PASSWORD": MINISTRY_PASSWORD})
    (d,) = config.destinations
    assert d.password.get_secret_value() == MINISTRY_PASSWORD
    assert MINISTRY_PASSWORD not in repr(config)
    assert (d.backoff_seconds, d.reconcile_lookback_hours, d.reconcile_cap) == (30, 48, 720)
    route = route_of(d)
    assert route.start_at == local_to_epoch("20261201000000")  # a local date
    assert route.kinds == frozenset({"air"}) and route.content == "raw"


@pytest.mark.parametrize(
    ("overrides", "env", "message"),
    [
        ({}, {}, "TEST_MINISTRY_PASSWORD"),  # the unset variable is named, not a value
        ({"folder": "{kind}/{provinz}"}, None, "provinz"),
        ({"type": "sftp"}, None, "type"),
        ({"content": "pdf"}, None, "content"),
    ],
)
def test_forwarding_file_errors_name_the_problem(
    tmp_path: Path, overrides: dict[str, Any], env: dict[str, str] | None, message: str
) -> None:
    path = forward_file(tmp_path, 2121, **overrides)
    with pytest.raises(InvalidRequest, match=message):
        load_forwarding(path, env={"TEST_MINISTRY_PASSWORD": "x"} if env is None else env)


@pytest.fixture
def configured(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings with a ministry destination (lag alert at 30 min) and four files received an
    hour ago, still queued (nothing listens on the destination's port)."""
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    s = settings.model_copy(
        update={"forward_file": forward_file(tmp_path, 1, lag_alert_minutes=30)}
    )
    engine = make_engine(s.db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    received = now_epoch() - 3600
    files = []
    for m in models(engine, 4):
        made = station_file(m, received // 300 * 300 - 300, Scenario())
        assert made is not None
        files.append(IncomingFile(made[0], made[1], "test"))
    with engine.connect() as conn:
        sites = station_units(conn)
    fwd = build_forwarding(s, engine)
    ingest_batch(
        engine,
        files,
        sites=sites,
        now=received,
        archive_dir=s.data_dir / "archive",
        options=IngestOptions(on_record=fwd.on_record()),
    )
    with engine.begin() as conn:  # one of them given up on
        conn.execute(update(forward_outbox).where(forward_outbox.c.id == 1).values(state=DEAD))
    engine.dispose()
    yield s


def test_admin_api_page_and_metrics_show_backlog_dead_letters_and_the_lag_alert(
    configured: Settings,
) -> None:
    with TestClient(create_app(configured, scheduler=False)) as client:
        body = client.get("/api/admin/forwarding").json()
        page = client.get("/admin/forwarding")
        metrics = client.get("/metrics").text
    (d,) = body["destinations"]
    assert (d["destination"], d["pending"], d["dead"], d["sent_last_hour"]) == ("ministry", 3, 1, 0)
    assert d["backlog_lag_s"] >= 3600 and d["lag_alert_threshold_s"] == 1800
    assert d["lag_alert"] is True and d["last_sent_at"] is None
    assert MINISTRY_PASSWORD not in str(body)
    assert page.status_code == 200 and "ministry" in page.text and "⚠" in page.text
    assert 'quantrac_forward_backlog_files{destination="ministry"} 3' in metrics
    assert 'quantrac_forward_dead_letters{destination="ministry"} 1' in metrics
    assert 'quantrac_forward_lag_alert{destination="ministry"} 1' in metrics


def test_no_forwarding_file_means_no_destinations(client: TestClient) -> None:
    assert client.get("/api/admin/forwarding").json()["destinations"] == []
    assert "quantrac_forward_" not in client.get("/metrics").text


def test_cli_status_retry_and_errors(configured: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.cli import _load_commands, app

    _load_commands()
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(configured.data_dir))
    monkeypatch.setenv("QUANTRAC_FORWARD_FILE", str(configured.forward_file))
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(app, ["--db", configured.db_url, "forward", *args])

    status = run("status", "--json")
    assert status.exit_code == 0, status.output
    assert '"pending": 3' in status.output and '"dead": 1' in status.output
    assert '"sent": 0' in status.output  # the CLI counts every receipt
    retried = run("retry", "ministry")
    assert retried.exit_code == 0 and "1 dead letters requeued" in retried.output
    assert '"pending": 4' in run("status", "--json").output
    down = run("send", "ministry")  # nothing listens on port 1
    assert down.exit_code == 1 and "'error'" in down.output
    unknown = run("reconcile", "nowhere")
    assert unknown.exit_code == 2 and "nowhere" in unknown.output
    backwards = run("reconcile", "ministry", "--from", "2026-12-05", "--to", "2026-12-04")
    assert backwards.exit_code == 2


def test_an_invalid_forwarding_file_is_a_400_and_metrics_still_answer(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_MINISTRY_PASSWORD", MINISTRY_PASSWORD)
    bad = forward_file(tmp_path, 21, folder="{kind}/{provinz}")
    s = settings.model_copy(update={"forward_file": bad})
    with TestClient(create_app(s, scheduler=False)) as client:
        answer = client.get("/api/admin/forwarding")
        metrics = client.get("/metrics")
    assert answer.status_code == 400 and "provinz" in answer.json()["detail"]
    assert metrics.status_code == 200 and "quantrac_ingested_files_total" in metrics.text
    assert "forwarding file is invalid" in metrics.text
