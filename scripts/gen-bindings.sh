#!/usr/bin/env bash
# Generates the Kotlin, Swift and Python bindings of doorstep-ffi in library
# mode from the host-built library, into the folders that are committed:
#   android/shared/src/main/kotlin/cn/doorstep/core/   Kotlin (package cn.doorstep.core)
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

# The generator (doorstep-ffi's example `uniffi-bindgen`) and the library, as
# `cargo test --workspace` builds them: that resolves features over the whole
# workspace with dev-dependencies, and `cargo build -p doorstep-ffi` would
# compile the core a second time with other features. After the tests, nothing
# compiles. Cargo names the two files in its JSON messages.
built="$(cargo test -q --workspace --no-run --message-format=json | python3 -c '
import json, sys
lib = bindgen = None
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact" or m["profile"]["test"]:
        continue
    if m["target"]["name"] not in ("doorstep_ffi", "uniffi-bindgen"):
        continue
    if "example" in m["target"]["kind"]:
        bindgen = m["executable"]
    elif "cdylib" in m["target"]["kind"]:
        lib = next(f for f in m["filenames"] if f.endswith((".so", ".dylib")))
if not (lib and bindgen):
    sys.exit("cargo did not report the doorstep_ffi library and the uniffi-bindgen example")
print(lib)
print(bindgen)
')"
built_lib="$(sed -n 1p <<<"$built")"
bindgen="$(sed -n 2p <<<"$built")"
# The library where `cargo build -p doorstep-ffi` would leave it, which is where
# the Python and Kotlin tests load it from.
target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
lib="$target_dir/debug/$(basename "$built_lib")"
cp -f "$built_lib" "$lib"

out="."
if $check; then
  out="$(mktemp -d)"
  trap 'rm -rf "$out"' EXIT
fi
kotlin_dir="$out/android/shared/src/main/kotlin"
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
  for rel in android/shared/src/main/kotlin/cn/doorstep/core/doorstep_ffi.kt \
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
