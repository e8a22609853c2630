#!/usr/bin/env bash
# The phone app in a phone-sized desktop window (needs a display), against the
# demo server: starts `doorstep demo --workers 0` on 127.0.0.1:8088 unless
# DOORSTEP_SERVER names a server, then opens the window. Sign in as worker1
# with the password doorstep-demo. Builds what it needs first.
#
# Without a display: SKIKO_RENDER_API=SOFTWARE xvfb-run -a android/run-desktop.sh
# (android/desktop-smoke.sh does that by itself and photographs the window).
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
CARGO_INCREMENTAL=0 cargo test --workspace --no-run -q
server="${DOORSTEP_SERVER:-}"
if [ -z "$server" ]; then
  server="http://127.0.0.1:8088"
  "$target/debug/doorstep" demo --data "$target/desktop-demo" --listen 127.0.0.1:8088 --workers 0 &
  demo=$!
  trap 'kill $demo' EXIT
  until curl -sf "$server/healthz" >/dev/null; do sleep 0.5; done
fi
# deps/ first: cargo test refreshes the library there, while target/debug may
# still hold one an older cargo build left.
mkdir -p "$target/skiko"
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" compile exec:java \
  -Dexec.mainClass=cn.doorstep.desktop.MainKt \
  -Djna.library.path="$target/debug/deps:$target/debug" -Dskiko.data.path="$target/skiko" \
  -Ddoorstep.server="$server" -Ddoorstep.desktop.dir="$target/desktop-phone"
