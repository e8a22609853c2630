#!/usr/bin/env bash
# The console's browser test: a fresh demo server (seeded, one simulated worker
# syncing a few visits with photos), then tests/browser/console.mjs in Debian's
# headless Chromium via playwright-core. Screenshots: target/browser-shots/.
# Needs /usr/bin/chromium and target/tools/node_modules/playwright-core
# (scripts/test.sh installs both).
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build -q -p doorstep-cli
data=target/browser-demo
rm -rf "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
target/debug/doorstep demo --data "$data" --listen "127.0.0.1:$port" --workers 1 --visits 4 \
  > target/browser-demo.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT
# Ready when the simulated worker has synced (the demo says it is serving).
for _ in $(seq 1 240); do
  grep -q "Serving until Ctrl-C" target/browser-demo.log && break
  kill -0 "$server" 2>/dev/null || { cat target/browser-demo.log; exit 1; }
  sleep 0.5
done
grep -q "Serving until Ctrl-C" target/browser-demo.log || { cat target/browser-demo.log; exit 1; }

BASE_URL="$base" SHOT_DIR="$PWD/target/browser-shots" PLAYWRIGHT_DIR="$PWD/target/tools" \
  node tests/browser/console.mjs
