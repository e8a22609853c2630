#!/usr/bin/env bash
# Compiles the Android app module here, with no Android SDK and no Gradle, and
# runs its unit tests. The app's Kotlin and the shared module's are compiled
# against what the Gradle build compiles them against — the Android 14
# framework classes (Robolectric's android-all) and the AndroidX libraries at
# the Gradle build's versions (Compose BOM 2024.12.01, activity-compose,
# core-ktx, work-runtime-ktx), all from Maven Central — with the Compose
# compiler plugin at Kotlin language version 2.1. Then the platform adapters'
# tests (src/test) run on Robolectric's Android framework.
#
# Catches what kotlinc catches: a wrong call, type or override of an android.*
# or androidx.* API, a shared-module API the app calls that changed, shared
# code using Compose API newer than the phone build's. Does not check the
# manifest, resources, lint (API levels) or hidden-API use: only Android
# Studio's Gradle build does (see ../README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")/android-app"
check=android/app/jvm-check
mkdir -p "$target"
command -v mvn >/dev/null 2>&1 || {
  echo "installing: maven"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven
}

# The jars of a resolved list, under $target/NAME: an AAR's classes are its
# classes.jar; an AAR without one is a multiplatform root whose -android
# artifact (resolved too) holds them. Prints the classpath.
jars() {
  local list="$1" dir="$target/$2" lib name
  rm -rf "$dir" && mkdir -p "$dir"
  while read -r lib; do
    name="$(basename "$lib")"
    case "$lib" in
      *.aar) unzip -q -o -p "$lib" classes.jar >"$dir/${name%.aar}.jar" 2>/dev/null || rm -f "$dir/${name%.aar}.jar" ;;
      *) cp "$lib" "$dir/" ;;
    esac
  done <"$list"
  find "$dir" -name '*.jar' -size +0 | sort | paste -sd:
}
kotlinc() {
  java -cp "$compiler" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
    -no-stdlib -no-reflect -jvm-target 17 -language-version 2.1 -api-version 2.1 "$@"
}

echo "resolving the phone build's libraries from Maven Central"
python3 $check/resolve.py $check/android-libs.txt "$target/android-libs.txt" \
  --skip org.jetbrains.kotlin --skip org.jetbrains.annotations --skip com.google.guava --skip org.jspecify
python3 $check/resolve.py $check/compiler.txt "$target/compiler.txt"
classpath="$(jars "$target/android-libs.txt" jars)"
compiler="$(paste -sd: "$target/compiler.txt")"
plugin="$(grep kotlin-compose-compiler-plugin-embeddable "$target/compiler.txt")"

echo "compiling android/shared/src/main and android/app/src/main for the phone"
rm -rf "$target/classes"
kotlinc -Xplugin="$plugin" -classpath "$classpath" -d "$target/classes" \
  android/shared/src/main/kotlin android/app/src/main/java
echo "the app module compiles: $(find "$target/classes/cn/doorstep/app" -name '*.class' | wc -l) classes"

echo "running the platform adapters' tests (android/app/src/test) on Robolectric"
python3 $check/resolve.py $check/robolectric.txt "$target/test-libs.txt"
testlibs="$(jars "$target/test-libs.txt" test-jars)"
rm -rf "$target/test-classes"
# With the Compose compiler plugin: a test may set a composable as an activity's content.
kotlinc -Xplugin="$plugin" -Xfriend-paths="$target/classes" -classpath "$target/classes:$classpath:$testlibs" \
  -d "$target/test-classes" android/app/src/test/java
tests="$(cd "$target/test-classes" && find . -name '*Test.class' | sed 's#^\./##; s#\.class$##; s#/#.#g' | sort)"
# shellcheck disable=SC2086 # one argument per test class
java -Djava.awt.headless=true -cp "$target/test-classes:$target/classes:$classpath:$testlibs" \
  org.junit.runner.JUnitCore $tests | tee "$target/tests.log"
passed="$(sed -n 's/^OK (\([0-9]*\) tests*)$/\1/p' "$target/tests.log")"
echo "android app platform tests: ${passed:-0} passed, 0 failed"
