#!/usr/bin/env bash
# Builds downhill with sanitizers and runs the whole test suite under them.
#   ./scripts/sanitize.sh [address|thread]   (default: address)
# address: ASan + UBSan into ./build-asan; thread: TSan into ./build-tsan.
# Each test, and every `downhill serve` a server test starts, gets the
# *SAN_OPTIONS (tests/CMakeLists.txt); a report from any of them fails the
# run. The browser test is left to ./scripts/test.sh. docs/testing.md has the
# details and the suppressions.
set -euo pipefail
cd "$(dirname "$0")/.."
kind="${1:-address}"
case "$kind" in
  address) dir=build-asan ;;
  thread) dir=build-tsan ;;
  *) echo "usage: $0 [address|thread]" >&2; exit 2 ;;
esac
./scripts/install-deps.sh
start=$SECONDS
# Debug keeps assertions on; -O1 keeps the instrumented suite fast enough
# and its stacks readable.
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DDOWNHILL_SANITIZE="$kind" >/dev/null
cmake --build "$dir" -j"$(nproc)"
built=$SECONDS
echo "sanitize.sh: $kind build took $((built - start)) s"
cd "$dir"
status=0
ctest --output-on-failure -j"$(nproc)" --timeout 1200 || status=$?
echo "sanitize.sh: $kind tests took $((SECONDS - built)) s (exit $status)"
exit $status
