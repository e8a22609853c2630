#!/usr/bin/env bash
# Runs doorstep-server's tests against PostgreSQL and an S3-compatible blob
# store: installs Debian's postgresql when missing, starts a throwaway cluster
# on loopback under target/pg with TLS on (a CA made here with openssl), points
# DOORSTEP_TEST_POSTGRES_URL at it (each test then works in its own schema) and
# DOORSTEP_TEST_POSTGRES_CA / _WRONG_CA at that CA and at one that signed
# nothing; starts moto's S3 server on loopback
# (pip, in a venv under target/tools) with a bucket and points
# DOORSTEP_TEST_S3_URL and the AWS_* variables at it (each server then keeps
# its blobs under a prefix of its own); runs doorstep-server's test suites and
# the workspace's unit tests; stops both.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
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

# TLS: a throwaway CA and a server certificate for 127.0.0.1 and localhost,
# and a second CA that signed nothing (the "wrong CA" of postgres_tls.rs).
TLS_DIR="$PG_DIR/tls"
mkdir -p "$TLS_DIR"
new_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$1" -keyout "$TLS_DIR/$2.key" -out "$TLS_DIR/$2.crt" 2>/dev/null
}
new_ca "Doorstep test CA" ca
new_ca "Doorstep wrong CA" wrong-ca
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
  -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$TLS_DIR/server.ext"
openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.crt" -CAkey "$TLS_DIR/ca.key" \
  -CAcreateserial -days 2 -extfile "$TLS_DIR/server.ext" -out "$TLS_DIR/server.crt" 2>/dev/null
chmod 600 "$TLS_DIR/server.key"
if [ "$(id -u)" = 0 ]; then chown -R postgres "$TLS_DIR"; fi

as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c max_connections=400 -c fsync=off -c ssl=on -c ssl_cert_file=$TLS_DIR/server.crt -c ssl_key_file=$TLS_DIR/server.key" start
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
export DOORSTEP_TEST_POSTGRES_CA="$TLS_DIR/ca.crt" DOORSTEP_TEST_POSTGRES_WRONG_CA="$TLS_DIR/wrong-ca.crt"
# The server's suites are named with `--workspace` rather than run with
# `-p doorstep-server`: cargo resolves features for the packages selected, so
# `-p` would compile the server and every suite a second time (about 1 GB)
# instead of reusing the test command's build. `--lib` adds every crate's unit
# tests (seconds), the server's PostgreSQL schema check among them.
server_tests=$(cargo metadata --format-version 1 --no-deps | python3 -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p["name"] == "doorstep-server":
        print(" ".join("--test " + t["name"] for t in p["targets"] if "test" in t["kind"]))
')
# shellcheck disable=SC2086 # one word per flag and name
# The PostgreSQL-only tests are `#[ignore]`d in a plain `cargo test` (so a
# green line there never means "passed without running"); here they run.
case " $* " in
  *" -- "*) cargo test --workspace --lib $server_tests "$@" --include-ignored ;;
  *) cargo test --workspace --lib $server_tests "$@" -- --include-ignored ;;
esac
