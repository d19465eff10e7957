#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server: installs
# what is missing, builds, and starts `downhill serve` with data in ./var on
# 127.0.0.1:8080 (pass other `serve` flags through, e.g. --listen).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec ./build/cli/downhill serve "$@"
