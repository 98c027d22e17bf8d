#!/usr/bin/env bash
# axe-core (npm) for the accessibility checks of the browser tests, installed from the npm
# registry into var/npm (git-ignored), never loaded from a CDN. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="${AXE_CORE_VERSION:-4.10.3}"
target=var/npm/node_modules/axe-core/axe.min.js
if [ -f "$target" ] && grep -q "axe v${VERSION}" "$target"; then exit 0; fi
mkdir -p var/npm
npm install --silent --no-audit --no-fund --prefix var/npm "axe-core@${VERSION}" >/dev/null
test -f "$target"
