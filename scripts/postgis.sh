#!/usr/bin/env bash
# Sourced by scripts/test.sh: start_postgis / stop_postgis run a throw-away PostGIS server on
# loopback and export PLANNING_TEST_POSTGIS_URL for the tests.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_PORT=${PG_PORT:-54329}
PG_DIR=${PG_DIR:-/tmp/planning-pgdata-$PG_PORT}

_as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

start_postgis() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "PostgreSQL 15 is not installed (apt-get install postgresql-15-postgis-3)" >&2
    return 1
  fi
  _as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' stop -m fast" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_DIR"
  _as_pg "'$PG_BIN/initdb' -D '$PG_DIR' -A trust -U planning -E UTF8 --locale=C.UTF-8" >/dev/null
  _as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' -l '$PG_DIR/server.log' -w \
      -o \"-p $PG_PORT -c listen_addresses=127.0.0.1 -k '$PG_DIR' -c fsync=off\" start" >/dev/null
  _as_pg "'$PG_BIN/createdb' -h 127.0.0.1 -p $PG_PORT -U planning planning_test"
  _as_pg "'$PG_BIN/psql' -q -h 127.0.0.1 -p $PG_PORT -U planning -d planning_test \
      -c 'CREATE EXTENSION IF NOT EXISTS postgis'"
  export PLANNING_TEST_POSTGIS_URL="postgresql://planning@127.0.0.1:$PG_PORT/planning_test"
  echo "PostGIS running: $PLANNING_TEST_POSTGIS_URL"
}

stop_postgis() {
  _as_pg "'$PG_BIN/pg_ctl' -D '$PG_DIR' stop -m fast" >/dev/null 2>&1 || true
}
