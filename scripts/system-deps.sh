#!/usr/bin/env bash
# Debian packages the tests use: PostgreSQL 15 + PostGIS (second backend), GDAL tools (the GIS
# client for OGC API and exports), Chromium (browser tests). Installs only what is missing;
# needs root (or sudo). Safe to run again.
set -euo pipefail
want=()
command -v ogrinfo >/dev/null 2>&1 || want+=(gdal-bin)
command -v chromium >/dev/null 2>&1 || want+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || want+=(postgresql-15)
[ -d /usr/share/postgresql/15/extension ] && ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1 \
  || want+=(postgresql-15-postgis-3)
command -v nginx >/dev/null 2>&1 || want+=(nginx-light)  # public portal: production-path test
command -v wrk >/dev/null 2>&1 || want+=(wrk)  # bench/: public portal beside nginx
# QGIS 3.22 headless as a GIS client (tests/service/test_qgis_client.py), for /usr/bin/python3
[ -d /usr/lib/python3/dist-packages/qgis/core ] || want+=(python3-qgis)
if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "system-deps: missing ${want[*]} and not root: install them with apt-get" >&2; exit 1
  fi
fi
echo "system-deps: installing ${want[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
