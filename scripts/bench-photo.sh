#!/usr/bin/env bash
# Benchmarks Doorstep's photo pipeline against ImageMagick, Pillow (draft mode) and the
# libjpeg-turbo floor (djpeg -scale 1/2 | cjpeg) on generated 12-megapixel camera JPEGs.
# BENCH_PROFILE=phone measures the build the phones get (size-optimized); the default is
# cargo's bench profile (release, opt-level 3).
# Installs the peers from Debian first. Tunables: BENCH_PHOTOS (5), BENCH_ROUNDS (3), BENCH_DIR, BENCH_PROFILE.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(nasm imagemagick python3-pil libjpeg-turbo-progs time)
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

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "peers: $(/usr/bin/convert -version | head -1)"
echo "       Pillow $(/usr/bin/python3 -c 'import PIL; print(PIL.__version__)'), $(dpkg-query -W -f='libjpeg-turbo-progs ${Version}' libjpeg-turbo-progs)"
cargo bench --profile "${BENCH_PROFILE:-bench}" -p doorstep-evidence --bench photo_peers
