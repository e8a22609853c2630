#!/usr/bin/env bash
# Redraws the screens' pictures (ScreenPicturesTest: every state provider at
# 360×800 dp in zh, en and zh at 1.3× font scale, under target/phone-shots/)
# and copies the main ones to android/docs/shots/, which the README shows.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
mvn -B -q -f android/shared/pom.xml -Dcargo.target="$target" test -Dtest=ScreenPicturesTest
out=android/docs/shots
rm -rf "$out" && mkdir -p "$out"
for shot in sign-in/wrong-password.zh home/returned.zh home/filled.en households/filled.zh \
  household/filled.zh visit/door-waiting.zh visit/door-mocked.en visit/filled.zh visit/repeat.zh \
  visit/problems.zh-1.3x returned/returned.zh sync/problems.zh settings/sign-out-waiting.zh; do
  cp "$target/phone-shots/$shot.png" "$out/$(echo "$shot" | tr / -).png"
done
echo "README pictures: $(ls "$out" | wc -l) files in $out"
