#!/usr/bin/env bash
# Create .venv (Python 3.11) and install quantrac with its test tools. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! command -v uv >/dev/null 2>&1; then
  "$PY" -m pip install -q --user uv 2>/dev/null || "$PY" -m pip install -q uv
  export PATH="$HOME/.local/bin:$PATH"
fi
[ -x .venv/bin/python ] || uv venv -q --python "$(readlink -f "$PY")" .venv
uv pip install -q --python .venv/bin/python -e ".[dev]"
