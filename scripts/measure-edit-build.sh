#!/usr/bin/env bash
# Times the edit-build loop: for each file given, touch it and rebuild
# everything in BUILD_DIR (default ./build), with ccache bypassed so that the
# compiler really runs. Prints one line per file: seconds, objects rebuilt.
# Usage: scripts/measure-edit-build.sh [-C build-dir] file...
# The build directory must already be up to date. docs/building.md has the
# table this produced.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ "${1:-}" == "-C" ]]; then build=$2; shift 2; fi
export CCACHE_DISABLE=1
cmake --build "$build" -j"$(nproc)" >/dev/null   # start from an up-to-date tree
printf '%-40s %8s %8s\n' file seconds objects
for f in "$@"; do
  touch "$f"
  start=$(date +%s.%N)
  objects=$(cmake --build "$build" -j"$(nproc)" 2>&1 | grep -c -E 'Building CXX object|\[[0-9]+/[0-9]+\] Building CXX' || true)
  end=$(date +%s.%N)
  printf '%-40s %8.1f %8d\n' "$f" "$(awk "BEGIN{print $end - $start}")" "$objects"
done
