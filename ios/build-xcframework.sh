#!/usr/bin/env bash
# Builds DoorstepFFI.xcframework (device arm64; simulator arm64 + x86_64) from
# doorstep-ffi's static library, for the Swift package in this folder. Run on a
# Mac with Xcode and:  rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
#
# The library bundles SQLCipher (with libtomcrypt), which defines every
# sqlite3_* symbol. An app that also links the system's libsqlite3 (directly, or
# through a framework that does) would then get whichever definition the linker
# met first. So each slice is pre-linked into one object (`ld -r`) that exports
# only the UniFFI entry points; every other symbol becomes private to it, and
# the script checks that no sqlite3_ symbol is left visible.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS and Xcode" >&2; exit 1; }

# Fresh bindings first: the header and modulemap must match the library.
scripts/gen-bindings.sh >/dev/null

target="${CARGO_TARGET_DIR:-target}"
out="$target/ios"
rm -rf "$out" && mkdir -p "$out/headers"
cp ios/Sources/DoorstepFFI/DoorstepFFIFFI.h "$out/headers/"
# Inside an XCFramework the module map must be called module.modulemap.
cp ios/Sources/DoorstepFFI/DoorstepFFIFFI.modulemap "$out/headers/module.modulemap"

export IPHONEOS_DEPLOYMENT_TARGET=15.0
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
  # The static library is asked for here; Cargo.toml builds only the cdylib.
  cargo rustc --profile phone -p doorstep-ffi --lib --target "$t" --crate-type staticlib
done

# Only UniFFI's symbols stay exported.
exports="$out/exported_symbols.txt"
printf '%s\n' '_uniffi_*' '_ffi_doorstep_ffi_*' > "$exports"

hide() { # hide ARCH IN.a OUT.a
  local arch=$1 in=$2 result=$3 obj
  obj="$(dirname "$result")/doorstep_ffi-$arch.o"
  xcrun ld -r -arch "$arch" -all_load "$in" -exported_symbols_list "$exports" -o "$obj"
  xcrun libtool -static -o "$result" "$obj"
  if xcrun nm -gU "$result" | grep -q ' _sqlite3_'; then
    echo "sqlite3 symbols are still exported from $result" >&2
    exit 1
  fi
}

mkdir -p "$out/device" "$out/sim"
hide arm64 "$target/aarch64-apple-ios/phone/libdoorstep_ffi.a" "$out/device/libdoorstep_ffi.a"
hide arm64 "$target/aarch64-apple-ios-sim/phone/libdoorstep_ffi.a" "$out/sim/arm64.a"
hide x86_64 "$target/x86_64-apple-ios/phone/libdoorstep_ffi.a" "$out/sim/x86_64.a"
xcrun lipo -create "$out/sim/arm64.a" "$out/sim/x86_64.a" -output "$out/sim/libdoorstep_ffi.a"

rm -rf ios/DoorstepFFI.xcframework
xcodebuild -create-xcframework \
  -library "$out/device/libdoorstep_ffi.a" -headers "$out/headers" \
  -library "$out/sim/libdoorstep_ffi.a" -headers "$out/headers" \
  -output ios/DoorstepFFI.xcframework
echo "built ios/DoorstepFFI.xcframework"
