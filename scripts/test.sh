#!/usr/bin/env bash
# Runs every check and test of Doorstep on a fresh Debian machine: installs what the
# tests need, then formatting, clippy, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use (fonts for the photo watermark, and so on).
# libgl1, libx11-6, fontconfig: skiko, which draws the phone screens on the JVM.
APT_PACKAGES=(fonts-wqy-microhei nasm libgl1 libx11-6 fontconfig)

need=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true

# One build, no incremental caches: they would add about 2 GB to the debug
# target of a checkout that is built once. Every debug build below is a
# `cargo test` or `cargo bench` of the whole workspace (naming targets where it
# needs fewer), so each reuses what `cargo test --workspace` built: cargo
# resolves features for the packages selected, with dev-dependencies only when
# tests are built, and `-p doorstep-server` or `cargo build -p doorstep-cli`
# would each compile the server and the core again.
export CARGO_INCREMENTAL=0
target_dir="${CARGO_TARGET_DIR:-target}"
# Prints the build's size and the disk's free space after a stage, so a CI log
# shows how close a run came to filling the disk.
disk() {
  echo "disk after $1: target $(du -sh "$target_dir" 2>/dev/null | cut -f1), free $(df -h --output=avail "$PWD" | tail -1 | tr -d ' ')"
}
disk "set-up"

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
disk "cargo test"

# --- pyxform (ODK's reference XLSForm converter) still reads the XLSForm corpus
# --- as the snapshot the corpus test compares with says: the version the
# --- snapshot names, from PyPI into a venv under target/tools (seconds).
oracle=core/forms/tests/data/xlsforms
pyxform_version="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pyxform"])' "$oracle/oracle.json")"
pyxform_venv="$target_dir/tools/pyxform-$pyxform_version"
if ! "$pyxform_venv/bin/python" -c 'import pyxform' >/dev/null 2>&1; then
  python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-venv
  }
  rm -rf "$pyxform_venv"
  python3 -m venv "$pyxform_venv"
  "$pyxform_venv/bin/pip" install -q "pyxform==$pyxform_version"
fi
"$pyxform_venv/bin/python" -W ignore "$oracle/oracle.py" --check

# --- doorstep-server on PostgreSQL and S3: the api, console and postgres suites
# --- again, against a throwaway cluster on loopback under target/pg (installs
# --- Debian's postgresql when missing) and moto's S3 server on loopback; both are
# --- stopped when the run ends.
server/tests/run-postgres.sh
disk "the PostgreSQL suites"
# The console benchmark's loader and measurement, small (2,000 visits, 5 renders):
# every page answers and the counts add up. The 1M-visit figures come from
# `cargo bench -p doorstep-server --bench console`.
DOORSTEP_BENCH_VISITS=2000 cargo bench --profile dev --workspace --bench console -- --test

# --- Bindings (doorstep-ffi): generated code up to date, Python and Kotlin tests,
# --- and the size of the release phone library.
BINDING_APT=(maven)
command -v javac >/dev/null 2>&1 || BINDING_APT+=(default-jdk-headless)
command -v npm >/dev/null 2>&1 || BINDING_APT+=(npm)
need=()
for p in "${BINDING_APT[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
python3 -m pytest --version >/dev/null 2>&1 || python3 -m pip install -q pytest

# The committed Kotlin, Swift and Python bindings must match the library.
scripts/gen-bindings.sh --check
# The binding tests use the library and the server (`doorstep demo --workers 0`)
# that `cargo test --workspace` built.
python3 -m pytest -q bindings/python/tests
android/run-jvm-tests.sh
disk "the binding tests"

# The phone library's size: the `phone` profile the Android and iOS builds use
# (release, size-optimized), stripped (target: at most 8 MB). Built as the
# cdylib alone, as the phones build it: with the package's "lib" crate type
# beside it, cargo silently skips the fat LTO (rust-lang/cargo#4611).
cargo rustc --profile phone -p doorstep-ffi --lib --crate-type cdylib
ffi_lib="target/phone/libdoorstep_ffi.so"
strip --strip-unneeded -o target/phone/libdoorstep_ffi.stripped.so "$ffi_lib"
ffi_bytes=$(stat -c %s target/phone/libdoorstep_ffi.stripped.so)
echo "doorstep-ffi phone library (profile phone), stripped: $ffi_bytes bytes ($((ffi_bytes / 1024)) KiB; target <= 8 MiB)"
disk "the phone library"

# --- The supervisor console in headless Chromium (Debian's package) driven by
# --- playwright-core from npm (the script installs both when missing), with the
# --- demo worker's phone driven by `doorstep device`; screenshots under
# --- target/browser-shots/.
tests/browser/run.sh
disk "the browser tests"
