#!/usr/bin/env bash
# Runs every check and test of Doorstep on a fresh Debian machine: installs what the
# tests need, then formatting, clippy, and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use (fonts for the photo watermark, and so on).
APT_PACKAGES=(fonts-wqy-microhei nasm)

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

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
