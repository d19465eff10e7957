#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a full test run: installs
# what is missing, builds, and runs every test through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# The browser test drives Debian's Chromium with playwright-core from npm.
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
./scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 600
