#!/usr/bin/env bash
# The console's browser test, the whole review loop: a fresh demo server
# (seeded, one simulated worker syncing a few visits with photos), then
# tests/browser/console.mjs in Debian's headless Chromium via playwright-core,
# which also drives the demo worker's phone with the real `doorstep device`
# commands (its database and key under DATA/devices/). Screenshots:
# target/browser-shots/. The binary is built into $CARGO_TARGET_DIR (default
# target/); Chromium and playwright-core are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir="${CARGO_TARGET_DIR:-$PWD/target}"
case "$build_dir" in /*) ;; *) build_dir="$PWD/$build_dir" ;; esac
out="$PWD/target"
mkdir -p "$out"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium
fi
tools="$build_dir/tools"
[ -d "$tools/node_modules/playwright-core" ] || npm install -q --prefix "$tools" playwright-core@1.65

# The `doorstep` binary as the test command builds it (for its integration
# tests): `cargo build -p doorstep-cli` would resolve features differently and
# compile the server and core once more.
cargo test -q --workspace --no-run
doorstep="$build_dir/debug/doorstep"
data="$out/browser-demo"
rm -rf "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$doorstep" demo --data "$data" --listen "127.0.0.1:$port" --workers 1 --visits 4 \
  > "$out/browser-demo.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
# Ready when the simulated worker has synced (the demo says it is serving).
for _ in $(seq 1 240); do
  grep -q "Serving until Ctrl-C" "$out/browser-demo.log" && break
  kill -0 "$server" 2>/dev/null || { cat "$out/browser-demo.log"; exit 1; }
  sleep 0.5
done
grep -q "Serving until Ctrl-C" "$out/browser-demo.log" || { cat "$out/browser-demo.log"; exit 1; }

BASE_URL="$base" SHOT_DIR="$out/browser-shots" PLAYWRIGHT_DIR="$tools" \
  DOORSTEP_BIN="$doorstep" DEVICE_DB="$data/devices/worker1.db" \
  DEVICE_KEY="$data/devices/worker1.key" WORK_DIR="$data" \
  node tests/browser/console.mjs
