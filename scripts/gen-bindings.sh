#!/usr/bin/env bash
# Generates the Kotlin, Swift and Python bindings of doorstep-ffi in library
# mode from the host-built library, into the folders that are committed:
#   android/app/src/main/java/cn/doorstep/core/   Kotlin (package cn.doorstep.core)
#   ios/Sources/DoorstepFFI/                         Swift + the C header and modulemap
#   bindings/python/                                 Python (doorstep_ffi.py)
#
#   scripts/gen-bindings.sh            regenerate in place
#   scripts/gen-bindings.sh --check    regenerate into a temporary folder and fail
#                                      if the committed files differ
# Prints the path of the host library it used on the last line.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
[ "${1:-}" = "--check" ] && check=true

# The generator (a package of its own), then the library as the test command
# builds it: `cargo test --workspace` resolves features over the whole
# workspace, and `cargo build -p doorstep-ffi` would resolve them for the FFI
# alone and compile the core a second time. After the tests, nothing compiles.
cargo build -q -p doorstep-bindgen
cargo test -q --workspace --no-run
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
case "$(uname -s)" in
  Darwin) lib="$target_dir/debug/libdoorstep_ffi.dylib" ;;
  *) lib="$target_dir/debug/libdoorstep_ffi.so" ;;
esac
bindgen="$target_dir/debug/uniffi-bindgen"

out="."
if $check; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
kotlin_dir="$out/android/app/src/main/java"
swift_dir="$out/ios/Sources/DoorstepFFI"
python_dir="$out/bindings/python"
mkdir -p "$kotlin_dir" "$swift_dir" "$python_dir"

gen() {
  "$bindgen" generate --library "$lib" --crate doorstep_ffi --no-format "$@" >/dev/null
}
gen --language kotlin --out-dir "$kotlin_dir"
gen --language swift --out-dir "$swift_dir"
gen --language python --out-dir "$python_dir"

if $check; then
  status=0
  for rel in android/app/src/main/java/cn/doorstep/core/doorstep_ffi.kt \
             ios/Sources/DoorstepFFI/DoorstepFFI.swift \
             ios/Sources/DoorstepFFI/DoorstepFFIFFI.h \
             ios/Sources/DoorstepFFI/DoorstepFFIFFI.modulemap \
             bindings/python/doorstep_ffi.py; do
    if ! diff -q "$rel" "$out/$rel" >/dev/null 2>&1; then
      echo "out of date: $rel (run scripts/gen-bindings.sh and commit)" >&2
      status=1
    fi
  done
  [ $status -eq 0 ] && echo "generated bindings are up to date"
  echo "$lib"
  exit $status
fi
echo "$lib"
