#!/usr/bin/env bash
# Compiles the Android app module here, with no Android SDK and no Gradle: its
# Kotlin and the shared module's, against what the Gradle build compiles them
# against — the Android 14 framework classes (Robolectric's android-all) and
# the AndroidX libraries at the Gradle build's versions (Compose BOM
# 2024.12.01, activity-compose, core-ktx, work-runtime-ktx), all from Maven
# Central — with the Compose compiler plugin at Kotlin language version 2.1.
#
# Catches what kotlinc catches: a wrong call, type or override of an android.*
# or androidx.* API, a shared-module API the app calls that changed, shared
# code that uses Compose API newer than the phone build's. Does not check the
# manifest, resources, lint (API levels), or hidden-API use: only Android
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

echo "resolving the phone build's libraries from Maven Central"
python3 $check/resolve.py $check/android-libs.txt "$target/android-libs.txt" --skip org.jetbrains.kotlin --skip org.jetbrains.annotations --skip com.google.guava --skip org.jspecify
python3 $check/resolve.py $check/compiler.txt "$target/compiler.txt"

# An AAR's classes are its classes.jar; an AAR without one is a multiplatform
# root whose -android artifact (also listed) holds them.
rm -rf "$target/jars" "$target/classes"
mkdir -p "$target/jars"
while read -r lib; do
  name="$(basename "$lib")"
  case "$lib" in
    *.aar) unzip -q -o -p "$lib" classes.jar >"$target/jars/${name%.aar}.jar" 2>/dev/null || rm -f "$target/jars/${name%.aar}.jar" ;;
    *) cp "$lib" "$target/jars/" ;;
  esac
done <"$target/android-libs.txt"
classpath="$(find "$target/jars" -name '*.jar' -size +0 | sort | paste -sd:)"
compiler="$(paste -sd: "$target/compiler.txt")"
plugin="$(grep kotlin-compose-compiler-plugin-embeddable "$target/compiler.txt")"

echo "compiling android/shared/src/main and android/app/src/main for the phone"
java -cp "$compiler" org.jetbrains.kotlin.cli.jvm.K2JVMCompiler \
  -no-stdlib -no-reflect -jvm-target 17 -language-version 2.1 -api-version 2.1 \
  -Xplugin="$plugin" -classpath "$classpath" -d "$target/classes" \
  android/shared/src/main/kotlin android/app/src/main/java
echo "the app module compiles: $(find "$target/classes/cn/doorstep/app" -name '*.class' | wc -l) classes"
