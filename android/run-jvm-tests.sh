#!/usr/bin/env bash
# Runs every JVM test of android/: with Maven (android/shared/pom.xml) the
# bindings' WorkerDayTest and the Compose UI tests of the screens, against the
# host-built core through JNA and a real `doorstep demo --workers 0` server,
# headless (skiko draws on the CPU). The screens' pictures are left as PNG
# files under target/phone-shots/.
#
# Expects target/debug/libdoorstep_ffi.so and target/debug/doorstep to be built
# (scripts/test.sh does that). Maven fetches Compose Multiplatform's desktop
# artifacts from Maven Central into ~/.m2 on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
command -v mvn >/dev/null 2>&1 || {
  echo "installing: maven"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven
}
[ -e "$target/debug/doorstep" ] || { echo "missing $target/debug/doorstep: run cargo test --workspace first" >&2; exit 1; }
# cargo test leaves the cdylib in debug/deps (and debug/ after a cargo build).
[ -e "$target/debug/libdoorstep_ffi.so" ] || [ -e "$target/debug/deps/libdoorstep_ffi.so" ] \
  || { echo "missing libdoorstep_ffi.so under $target/debug: run cargo test --workspace first" >&2; exit 1; }
rm -rf "$target/phone-shots"
mkdir -p "$target/phone-shots" "$target/skiko"
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" test
echo "phone screens: $(find "$target/phone-shots" -name '*.png' | wc -l) PNG files under $target/phone-shots"

# The Android app module (android/app): compiled with the shared module against
# the phone build's own libraries (Android 14 framework classes, AndroidX from
# Maven Central), and its platform adapters' tests run on Robolectric.
bash android/app/check-on-jvm.sh
