#!/usr/bin/env bash
# The demo command: create the environment and run the Lạng Sơn demo on http://127.0.0.1:8000/map
# (embedded SQLite under var/demo, station simulator, scheduler). Extra arguments go to
# `quantrac demo` (e.g. --port 8080).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export QUANTRAC_DATA_DIR=${QUANTRAC_DATA_DIR:-var/demo}
# The demo is a local trial: open access unless the operator says otherwise.
export QUANTRAC_AUTH_ENABLED=${QUANTRAC_AUTH_ENABLED:-false}
exec .venv/bin/quantrac demo "$@"
