#!/usr/bin/env bash
# Runs doorstep-server's tests against PostgreSQL and an S3-compatible blob
# store: installs Debian's postgresql when missing, starts a throwaway cluster
# on loopback under target/pg, points DOORSTEP_TEST_POSTGRES_URL at it (each
# test then works in its own schema); starts moto's S3 server on loopback
# (pip, in a venv under target/tools) with a bucket and points
# DOORSTEP_TEST_S3_URL and the AWS_* variables at it (each server then keeps
# its blobs under a prefix of its own); runs `cargo test -p doorstep-server`;
# stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v curl >/dev/null 2>&1 || need+=(curl)
python3 -c "import ensurepip" >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
MOTO_VENV="$PWD/target/tools/moto-venv"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  rm -rf "$MOTO_VENV"
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install -q "moto[server]==5.2.5"
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
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PG_DIR"
  # The checkout may sit where the postgres user cannot reach (under /root):
  # then the cluster lives in a fresh directory under /tmp.
  if ! runuser -u postgres -- test -w "$PG_DIR"; then
    PG_DIR=$(mktemp -d /tmp/doorstep-pg.XXXXXX)
    chown postgres "$PG_DIR"
  fi
fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U doorstep --auth=trust --encoding=UTF8 \
  --locale=C.UTF-8 >"$PG_DIR/initdb.log"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=400 -c fsync=off" start
MOTO_PID=
stop_all() {
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null && wait "$MOTO_PID" 2>/dev/null
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null
  case "$PG_DIR" in /tmp/doorstep-pg.*) rm -rf "$PG_DIR" ;; esac
}
trap stop_all EXIT
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U doorstep doorstep_test

S3_PORT="${DOORSTEP_S3_PORT:-54331}"
"$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$PG_DIR/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break
  sleep 0.2
done
if ! kill -0 "$MOTO_PID" 2>/dev/null; then
  echo "moto's S3 server did not start:" >&2
  cat "$PG_DIR/moto.log" >&2
  exit 1
fi
curl -sf -X PUT "http://127.0.0.1:$S3_PORT/doorstep-test" >/dev/null
export AWS_ENDPOINT="http://127.0.0.1:$S3_PORT" AWS_ALLOW_HTTP=true AWS_REGION=us-east-1 \
  AWS_ACCESS_KEY_ID=doorstep-test AWS_SECRET_ACCESS_KEY=doorstep-test
export DOORSTEP_TEST_S3_URL="s3://doorstep-test"

export DOORSTEP_TEST_POSTGRES_URL="postgres://doorstep@127.0.0.1:$PG_PORT/doorstep_test"
cargo test -p doorstep-server "$@"
