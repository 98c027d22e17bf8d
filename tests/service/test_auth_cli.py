"""``quantrac user ...``: bootstrap the first administrator and a script token."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from service.cli import app
from tests.service.test_auth_fixtures import fast_password_hashing  # noqa: F401


def test_bootstrap_admin_and_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import service.cli.accounts  # noqa: F401  registers the commands (COMMAND_MODULES line)

    monkeypatch.setenv("QUANTRAC_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QUANTRAC_DATABASE_URL", raising=False)
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["user", "add", "Admin", "--role", "admin", "--password-stdin"],
        input="mật khẩu quản trị\n",
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(
        app, ["user", "add", "admin", "--password-stdin"], input="mật khẩu quản trị\n"
    )
    assert again.exit_code == 2 and "already exists" in again.output
    short = runner.invoke(app, ["user", "add", "minh", "--password-stdin"], input="ngắn\n")
    assert short.exit_code == 2
    made = runner.invoke(app, ["user", "token", "admin", "--name", "sao lưu", "--role", "viewer"])
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().splitlines()[-1].startswith("qt_")
    listed = runner.invoke(app, ["user", "list"])
    assert "admin\tadmin" in listed.stdout
    assert runner.invoke(app, ["user", "disable", "admin"]).exit_code == 2  # last admin
