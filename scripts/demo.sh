#!/usr/bin/env bash
# The demo: a Doorstep server on embedded SQLite with a seeded community (3 grids,
# 300 households with residents and tags), and three simulated grid workers who
# visit households through the real core — door checks near and far, filled
# forms, generated photos — and sync them. It serves until Ctrl-C.
#
#   bash scripts/demo.sh                      # listens on 127.0.0.1:8080
#   bash scripts/demo.sh --listen 0.0.0.0:8080 --data /tmp/doorstep-demo
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p doorstep-cli
exec target/release/doorstep demo "$@"
