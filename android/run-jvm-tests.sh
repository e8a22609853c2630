#!/usr/bin/env bash
# Compiles the generated Kotlin bindings and the JVM tests with the kotlinc of
# the npm package `kotlin-compiler`, and runs them with JUnit 4 against the
# host-built library through JNA (Debian's libjna-java and junit4), starting
# `doorstep demo --workers 0` as the server.
#
# Expects target/debug/libdoorstep_ffi.so and target/debug/doorstep to be
# built (scripts/test.sh does that); installs kotlinc into target/tools.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
tools="$target/tools"
kotlin_home="$tools/node_modules/kotlin-compiler"
if [ ! -x "$kotlin_home/bin/kotlinc" ]; then
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" kotlin-compiler >/dev/null
fi
for jar in /usr/share/java/jna.jar /usr/share/java/junit4.jar /usr/share/java/hamcrest-core.jar; do
  [ -f "$jar" ] || { echo "missing $jar: apt-get install libjna-java junit4" >&2; exit 1; }
done

out="$target/kotlin-tests"
rm -rf "$out" && mkdir -p "$out"
coroutines="$kotlin_home/lib/kotlinx-coroutines-core-jvm.jar"
classpath="/usr/share/java/jna.jar:/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar:$coroutines"
"$kotlin_home/bin/kotlinc" -nowarn -jvm-target 17 -cp "$classpath" -d "$out/tests.jar" \
  android/shared/src/main/kotlin/cn/doorstep/core/doorstep_ffi.kt \
  android/shared/src/test/kotlin/cn/doorstep/core/*.kt
java -Djna.library.path="$target/debug" -Ddoorstep.bin="$target/debug/doorstep" \
  -cp "$out/tests.jar:$classpath:$kotlin_home/lib/kotlin-stdlib.jar" \
  org.junit.runner.JUnitCore cn.doorstep.core.WorkerDayTest
