#!/usr/bin/env bash
# Benchmark (not a test) of the visit screen on the JVM: the 200-field form
# with a 30-member repeat, published to `doorstep demo --workers 0` and filled
# through the FFI. Prints p50/p95 of one answer through the FFI back to a new
# visit screen, and of one frame of the visit screen composed, laid out and
# drawn. Expects the Rust build of `cargo test --workspace`.
#
# The core is the debug build under target/debug unless BENCH_CORE=phone, which
# uses the library the phone gets: `cargo rustc --profile phone -p doorstep-ffi --lib --crate-type cdylib`
# (the size check of scripts/test.sh builds it), size-optimized with fat LTO.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
case "${BENCH_CORE:-debug}" in
  debug) lib="$target/debug/deps:$target/debug" ;;
  phone)
    [ -e "$target/phone/libdoorstep_ffi.so" ] \
      || { echo "missing $target/phone/libdoorstep_ffi.so: cargo rustc --profile phone -p doorstep-ffi --lib --crate-type cdylib" >&2; exit 1; }
    lib="$target/phone" ;;
  *) echo "BENCH_CORE is debug or phone" >&2; exit 1 ;;
esac
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" test-compile exec:java \
  -Dexec.classpathScope=test -Dexec.mainClass=cn.doorstep.bench.VisitBench -Dexec.cleanupDaemonThreads=false \
  -Djava.awt.headless=true -Dskiko.data.path="$target/skiko" -Ddoorstep.core="${BENCH_CORE:-debug}" \
  -Djna.library.path="$lib" -Ddoorstep.bin="$target/debug/doorstep"
