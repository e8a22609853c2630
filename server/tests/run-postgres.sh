#!/usr/bin/env bash
# Runs doorstep-server's tests against PostgreSQL: installs Debian's postgresql
# when missing, starts a throwaway cluster on loopback under target/pg, points
# DOORSTEP_TEST_POSTGRES_URL at it (each test then works in its own schema),
# runs `cargo test -p doorstep-server`, and stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "installing: postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql
fi
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

PG_DIR="$PWD/target/pg"
PG_PORT="${DOORSTEP_PG_PORT:-54329}"
# PostgreSQL refuses to run as root: run the cluster as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ -f "$PG_DIR/data/postmaster.pid" ]; then
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$PG_DIR"
mkdir -p "$PG_DIR"
[ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U doorstep --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >"$PG_DIR/initdb.log"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=400 -c fsync=off" start
trap 'as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null' EXIT
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U doorstep doorstep_test

export DOORSTEP_TEST_POSTGRES_URL="postgres://doorstep@127.0.0.1:$PG_PORT/doorstep_test"
cargo test -p doorstep-server "$@"
