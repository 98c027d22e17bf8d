#!/usr/bin/env bash
# Start a throw-away PostgreSQL 15 + PostGIS on 127.0.0.1:$PGPORT (default 55432) for the tests.
# Prints the SQLAlchemy URL of its admin database. "scripts/pg-temp.sh stop" stops it.
set -euo pipefail
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=${PGDATA:-/tmp/quantrac-pg}
PGSOCK=${PGSOCK:-/tmp/quantrac-pgsock}
PGPORT=${PGPORT:-55432}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "${1:-}" = stop ]; then
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi
if ! as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  rm -rf "$PGDATA"
  if [ "$(id -u)" = 0 ]; then install -d -o postgres -g postgres "$PGDATA" "$PGSOCK"; else mkdir -p "$PGDATA" "$PGSOCK"; fi
  as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-p $PGPORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
fi
echo "postgresql+psycopg://postgres@127.0.0.1:$PGPORT/postgres"
