"""Quarantine you can act on: list, show, replay after the registry changed; audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from service.bootstrap import import_stations
from service.cli import _load_commands, app
from service.database import make_engine
from stations.ingest.pipeline import IncomingFile, ingest_batch
from stations.store.audit import list_audit
from stations.store.readings import station_units
from stations.store.schema import readings
from tests.service.test_auth_fixtures import (  # noqa: F401
    auth_app,
    auth_client,
    bearer,
    fast_password_hashing,
)

ROOT = Path(__file__).resolve().parents[2]
NEW = "LS_NEW_KK09"
NOW = 1_795_140_000


def _file(minute: int) -> tuple[str, bytes]:
    stamp = f"2026112008{minute:02d}00"
    return f"{NEW}_{stamp}.txt", f"PM2.5 12,5 ug/m3 {stamp} 00\n".encode()


def _register(engine, path: Path) -> None:  # type: ignore[no-untyped-def]
    station = {"id": NEW, "name": "Trạm mới", "kind": "air", "lon": 106.7, "lat": 21.8}
    station.update(facility="Sở NN&MT", commune="Hồng Phong", parameters=["PM2.5"])
    path.write_text(yaml.safe_dump({"stations": [station]}, allow_unicode=True), "utf-8")
    import_stations(engine, path)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_list_show_and_replay_after_registration(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path / "data"))
    engine = make_engine(db_url)
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    folder = tmp_path / "in"
    folder.mkdir()
    for minute in (5, 10):
        name, data = _file(minute)
        (folder / name).write_bytes(data)
    _load_commands()
    runner = CliRunner()

    def run(*args: str) -> dict:  # type: ignore[type-arg]
        result = runner.invoke(app, ["--db", db_url, *args])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    first = run("ingest", str(folder), "--json")
    assert len(first["quarantined"]) == 2
    listed = run("quarantine", "list", "--reason", "UNKNOWN STATION", "--json")
    assert listed["total"] == 2 and "archive_path" not in listed["files"][0]
    assert run("quarantine", "list", "--station", "LS_OTHER", "--json")["total"] == 0
    assert run("quarantine", "list", "--since", "2100-01-01", "--json")["total"] == 0
    file_id = listed["files"][0]["id"]
    shown = run("quarantine", "show", str(file_id))
    assert shown["station_id"] == NEW and "unknown station" in shown["reason"]
    missing = runner.invoke(app, ["--db", db_url, "quarantine", "show", "999999"])
    assert missing.exit_code == 1
    refused = runner.invoke(app, ["--db", db_url, "quarantine", "replay"])
    assert refused.exit_code == 2  # no ids and no filter: never replays everything by accident
    still = run("quarantine", "replay", str(file_id))  # station still unknown: stays quarantined
    assert still["files"][0]["outcome"] == "quarantined"
    _register(engine, tmp_path / "new.yaml")
    replayed = run("quarantine", "replay", "--station", NEW)
    assert sorted(f["outcome"] for f in replayed["files"]) == ["ok", "ok"]
    assert all("decimal comma" in f["notes"] for f in replayed["files"])
    assert replayed["evaluation"]["stations"] == 1
    with engine.connect() as conn:
        values = set(conn.scalars(select(readings.c.value).where(readings.c.station_id == NEW)))
        assert values == {12.5}
        entries, total = list_audit(conn, action="quarantine.replay")
    assert total == 3 and all(e.actor.startswith("cli:") for e in entries)  # 1 + 2 replays
    assert run("quarantine", "list", "--json")["total"] == 0
    engine.dispose()


def test_admin_api_lists_and_replays_with_the_admin_as_actor(auth_client, tmp_path) -> None:  # noqa: F811
    client, tokens = auth_client
    engine = client.app.state.ctx.engine
    import_stations(engine, ROOT / "stations" / "demo" / "stations.yaml")
    with engine.connect() as conn:
        sites = station_units(conn)
    name, data = _file(15)
    ingest_batch(
        engine,
        [IncomingFile(name, data, "ftp-x:/in")],
        sites=sites,
        now=NOW,
        archive_dir=client.app.state.ctx.settings.data_dir / "archive",
    )
    admin, viewer = bearer(tokens["admin"]), bearer(tokens["viewer"])
    assert client.get("/api/admin/quarantine", headers=viewer).status_code == 403
    listed = client.get("/api/admin/quarantine", params={"reason": "unknown"}, headers=admin)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    file_id = listed.json()["files"][0]["id"]
    assert client.get(f"/api/admin/quarantine/{file_id}", headers=admin).json()["name"] == name
    assert client.get("/api/admin/quarantine/999999", headers=admin).status_code == 404
    assert client.post("/api/admin/quarantine/replay", json={}, headers=admin).status_code == 400
    _register(engine, tmp_path / "new.yaml")
    done = client.post("/api/admin/quarantine/replay", json={"ids": [file_id]}, headers=admin)
    assert done.status_code == 200, done.text
    assert [f["outcome"] for f in done.json()["files"]] == ["ok"]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(readings)) == 1
        entries, _ = list_audit(conn, action="quarantine.replay")
    raw = client.get(
        f"/api/stations/{NEW}/readings",
        params={"start": "2026-11-20T08:00:00+07:00", "end": "2026-11-20T09:00:00+07:00"},
        headers=admin,
    ).json()
    (point,) = raw["series"][0]["points"]
    assert "decimal comma" in point["notes"] and "µg/m³→µg/Nm³" in point["notes"]
    assert [e.actor for e in entries] == ["admin1"]  # the token's account (make_users)
    assert entries[0].before["reason"].startswith("trạm không có")
