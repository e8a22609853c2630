#!/usr/bin/env bash
# Opens the desktop phone window for real, on a virtual display (Xvfb), against
# a fresh `doorstep demo --workers 0` server, and photographs it: the sign-in
# screen, then 今日 after signing in as worker1 by keyboard (xdotool).
# Pictures go to target/phone-shots/desktop/. Exits non-zero when the window
# never appears, its sign-in never reaches the server, or the app logs an exception.
#
# Expects target/debug/doorstep and libdoorstep_ffi.so (cargo test --workspace
# builds both); installs xvfb, xdotool and x11-apps when missing.
# About a minute with Maven's build up to date: run by hand, not by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
shots="$target/phone-shots/desktop"
need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v xwd >/dev/null || need+=(x11-apps)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -e "$target/debug/doorstep" ] || { echo "missing $target/debug/doorstep: run cargo test --workspace first" >&2; exit 1; }

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
server="http://127.0.0.1:$port"
"$target/debug/doorstep" demo --data "$work/server" --listen "127.0.0.1:$port" --workers 0 >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do curl -sf "$server/healthz" >/dev/null && break; sleep 0.5; done
curl -sf "$server/healthz" >/dev/null || { echo "the demo server did not start" >&2; cat "$work/server.log" >&2; exit 1; }

display=":$((90 + RANDOM % 400))"
Xvfb "$display" -screen 0 480x900x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY="$display"
for _ in $(seq 40); do xdpyinfo >/dev/null 2>&1 && break; xwd -root -silent >/dev/null 2>&1 && break; sleep 0.25; done

mkdir -p "$target/skiko" "$shots"
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" compile exec:java \
  -Dexec.mainClass=cn.doorstep.desktop.MainKt \
  -Djna.library.path="$target/debug/deps:$target/debug" -Dskiko.data.path="$target/skiko" -Dskiko.renderApi=SOFTWARE \
  -Ddoorstep.server="$server" -Ddoorstep.desktop.dir="$work/phone" >"$work/app.log" 2>&1 &
pids+=($!)

# The screen's rectangle $geometry (WxH+X+Y) as a PNG: xwd's 24/32-bit dump read by Python.
shoot() {
  xwd -root -silent | python3 -c '
import re, struct, sys, zlib
data = sys.stdin.buffer.read()
h = struct.unpack(">25I", data[:100])
size, width, height, order, bpp, line, ncolors = h[0], h[4], h[5], h[7], h[11], h[12], h[19]
if bpp != 32:
    sys.exit("xwd: %d bits per pixel, expected 32" % bpp)
w, hh, x0, y0 = map(int, re.match(r"(\d+)x(\d+)\+(-?\d+)\+(-?\d+)", sys.argv[1]).groups())
x0, y0 = max(0, x0), max(0, y0)
w, hh = min(w, width - x0), min(hh, height - y0)
pixels = data[size + 12 * ncolors:]
rows = bytearray()
for y in range(y0, y0 + hh):
    rows.append(0)
    row = pixels[y * line + 4 * x0: y * line + 4 * (x0 + w)]
    for i in range(0, len(row), 4):
        b, g, r = (row[i], row[i + 1], row[i + 2]) if order == 0 else (row[i + 3], row[i + 2], row[i + 1])
        rows += bytes((r, g, b))
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, hh, 8, 2, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
open(sys.argv[2], "wb").write(png)
' "$geometry" "$shots/$1.png"
  echo "picture: $shots/$1.png"
}
# Waits (up to $2 seconds) for the window title $1; prints the window id.
window=""
for _ in $(seq 600); do
  window="$(xdotool search --name "入户通" 2>/dev/null | head -1 || true)"
  [ -n "$window" ] && break
  sleep 0.5
done
if [ -z "$window" ]; then
  echo "the desktop window never appeared; the app said:" >&2
  tail -40 "$work/app.log" >&2
  exit 1
fi
sleep 4 # the first frame
eval "$(xdotool getwindowgeometry --shell "$window")"
geometry="${WIDTH}x${HEIGHT}+${X}+${Y}"
shoot sign-in

# Sign in as worker1 by keyboard: Tab focuses the server address (filled
# in), Tab again the user name; type, Tab to the password, Enter (its Done signs in).
# (A click on the empty lower part gives the window the keyboard: Xvfb has no window manager.)
xdotool mousemove --window "$window" $((WIDTH / 2)) $((HEIGHT * 9 / 10)) click 1
sleep 0.5
xdotool key Tab
xdotool key Tab
xdotool type --delay 30 worker1
xdotool key Tab
xdotool type --delay 30 doorstep-demo
xdotool key Return
signed=""
for _ in $(seq 60); do
  grep -q "api::login: login user=" "$work/server.log" && { signed=1; break; }
  sleep 0.5
done
sleep 6 # the first pull and 今日
shoot after-sign-in
if [ -z "$signed" ]; then
  echo "the window never signed in (no login reached the server); the app said:" >&2
  tail -40 "$work/app.log" >&2
  exit 1
fi
if grep -q "Exception" "$work/app.log"; then
  echo "the app logged an exception:" >&2
  grep -m5 -A5 "Exception" "$work/app.log" >&2
  exit 1
fi
echo "the desktop window opened against $server and signed in as worker1; pictures under $shots"
