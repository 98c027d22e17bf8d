#!/usr/bin/env bash
# The test command: system packages, .venv, a throw-away PostGIS, then lint + the whole suite
# on SQLite and PostGIS. Extra arguments go to pytest (e.g. scripts/test.sh -k registry).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
bash scripts/bootstrap.sh
export QUANTRAC_TEST_PG_URL=${QUANTRAC_TEST_PG_URL:-$(bash scripts/pg-temp.sh)}
export QUANTRAC_REQUIRE_PG=${QUANTRAC_REQUIRE_PG:-1}
mkdir -p test-artifacts
status=0
.venv/bin/python -m pytest -p no:cacheprovider --timeout=600 "$@" || status=$?
[ "${KEEP_PG:-0}" = 1 ] || bash scripts/pg-temp.sh stop
exit $status
