"""Issue 16 probe findings F9 (a no-op recipients PUT writes nothing) and F12 (private files,
the trusted-proxy list)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from service.database import make_engine
from service.settings import Settings
from service.web.app import create_app
from service.web.http_server import server_options
from tests.service.test_admin_recipients import alerts_path, api  # noqa: F401


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_f9_a_no_op_recipients_put_writes_no_backup_and_no_audit_row(
    api: TestClient,  # noqa: F811
    alerts_path: Path,  # noqa: F811
) -> None:
    before = alerts_path.read_bytes()
    current = api.get("/api/admin/recipients").json()
    body = {k: current[k] for k in ("contacts", "lists", "routes", "duty_officer")}
    for _ in range(3):
        response = api.put("/api/admin/recipients", json={**body, "reason": "lưu lại / save"})
        assert response.status_code == 200, response.text
        assert response.json()["changed"] is False and response.json()["backup"] is None
    assert list(alerts_path.parent.glob("*.bak")) == []
    assert alerts_path.read_bytes() == before
    assert api.get("/api/admin/audit", params={"action": "alerts."}).json()["items"] == []


def test_f12_database_and_data_folder_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        data = tmp_path / "fresh" / "data"
        engine = make_engine(f"sqlite:///{data / 'quantrac.db'}")
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
            modes = {p.name: _mode(p) for p in data.iterdir()}
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(data) == 0o700 and _mode(data.parent) == 0o700
    assert modes["quantrac.db"] == 0o600
    assert all(m == 0o600 for m in modes.values()), modes  # -wal and -shm follow the database


def test_f12_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    db.write_bytes(b"")
    os.chmod(db, 0o644)
    make_engine(f"sqlite:///{db}").dispose()
    assert _mode(db) == 0o600


def test_f12_recipients_backups_are_private(
    api: TestClient,  # noqa: F811
    alerts_path: Path,  # noqa: F811
) -> None:
    os.chmod(alerts_path, 0o644)
    current = api.get("/api/admin/recipients").json()
    body = {k: current[k] for k in ("contacts", "lists", "routes", "duty_officer")}
    body["duty_officer"] = "lanh_dao"
    response = api.put("/api/admin/recipients", json={**body, "reason": "đổi / change"})
    assert response.status_code == 200, response.text
    (backup,) = alerts_path.parent.glob("*.bak")
    assert _mode(backup) == 0o600


def test_f12_trusted_proxy_list_reaches_the_server(settings: Settings) -> None:
    options = server_options(settings.model_copy(update={"forwarded_allow_ips": "10.0.0.2"}))
    assert options["proxy_headers"] is True and options["forwarded_allow_ips"] == "10.0.0.2"
    cli = Path(sys.executable).parent / "quantrac"
    shown = subprocess.run(
        [str(cli), "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "--forwarded-allow-ips" in shown.stdout
    app = create_app(settings, scheduler=False)  # the setting is a plain setting, env included
    assert app.state.ctx.settings.forwarded_allow_ips == "127.0.0.1"


def test_orphan_archive_temps_are_removed_at_start(settings: Settings) -> None:
    from service.bootstrap import prepare_database

    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a pid that is gone
    dead.wait()
    folder = settings.data_dir / "archive" / "ab"
    folder.mkdir(parents=True)
    orphan = folder / f".{'ab' * 32}.{dead.pid}.tmp"
    writing = folder / f".{'cd' * 32}.{os.getpid()}.tmp"  # a live writer's: kept
    kept = folder / ("ab" * 32)
    for path in (orphan, writing, kept):
        path.write_bytes(b"")
    prepare_database(settings).dispose()
    assert not orphan.exists() and writing.exists() and kept.exists()
