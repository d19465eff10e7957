#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running server: installs
# what is missing, builds the server alone (not the tests and benchmarks,
# which ./scripts/build.sh and ./scripts/test.sh build), and starts
# `downhill serve` with data in ./var on 127.0.0.1:8080 (pass other `serve`
# flags through, e.g. --listen).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
if [ ! -x build/cli/downhill ]; then
  echo "serve.sh: building the server (about 80 files) into ./build. A" \
       "first build takes 7.5 minutes of CPU: about 4 minutes on an idle" \
       "2-core machine, 15 or more on a busy one; later starts only rebuild" \
       "what changed." >&2
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
cmake --build build -j"$(nproc)" --target downhill
exec ./build/cli/downhill serve "$@"
