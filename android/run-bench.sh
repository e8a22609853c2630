#!/usr/bin/env bash
# Benchmark (not a test) of the visit screen on the JVM: the 200-field form
# with a 30-member repeat, published to `doorstep demo --workers 0` and filled
# through the FFI. Prints p50/p95 of one answer through the FFI back to a new
# visit screen, and of one frame of the visit screen composed, laid out and
# drawn. Expects the Rust build of `cargo test --workspace`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" test-compile exec:java \
  -Dexec.classpathScope=test -Dexec.mainClass=cn.doorstep.bench.VisitBench -Dexec.cleanupDaemonThreads=false \
  -Djava.awt.headless=true -Dskiko.data.path="$target/skiko" \
  -Djna.library.path="$target/debug:$target/debug/deps" -Ddoorstep.bin="$target/debug/doorstep"
