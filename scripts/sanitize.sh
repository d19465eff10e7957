#!/usr/bin/env bash
# Builds downhill with sanitizers and runs the whole test suite under them.
#   ./scripts/sanitize.sh [address|thread]   (default: address)
# address: ASan + UBSan into ./build-asan; thread: TSan into ./build-tsan,
# against a TSan build of CAF's libcaf_core (scripts/build-caf-tsan.sh).
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
extra=()
if [ "$kind" = thread ]; then
  # TSan needs CAF itself instrumented (the script says why); every binary
  # of the build links that copy (CMake's build RPATH points at it).
  ./scripts/build-caf-tsan.sh "$dir/caf"
  extra=(-DCAF_CORE_LIBRARY="$PWD/$dir/caf/lib/libcaf_core.so")
fi
# Debug keeps assertions on; -O1 keeps the instrumented suite fast enough
# and its stacks readable. -g1 (line tables, functions) is all a report's
# stack needs, and compiles a quarter faster than -g (org_actor.cpp: 77 s
# against 57 s of CPU; its object 40 MB against 23 MB).
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DDOWNHILL_SANITIZE="$kind" "${extra[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"
built=$SECONDS
echo "sanitize.sh: $kind build took $((built - start)) s"
cd "$dir"
# -V keeps every test's output, passed or not, in the log: g++'s UBSan
# runtime (libubsan, apart from libasan) ignores log_path and reports on
# stderr, so a UBSan report in a server whose test still passed is found
# only there. ASan, LSan and TSan reports also land in sanitizer-logs/,
# which the test "sanitizers: no process wrote a report" checks.
log=ctest-verbose.log
status=0
ctest -V -j"$(nproc)" --timeout 1200 >"$log" 2>&1 || status=$?
reports='runtime error:|ERROR: (AddressSanitizer|LeakSanitizer)|WARNING: ThreadSanitizer'
if grep -Eq "$reports" "$log"; then
  echo "sanitize.sh: sanitizer reports in the tests' output ($dir/$log):"
  grep -E -A25 "$reports" "$log" | head -300
  status=1
fi
# The failed tests' own output (ctest -V prefixes each line with the test's
# number), then ctest's summary.
for n in $(sed -n 's/^[[:space:]]*\([0-9][0-9]*\) - .*(\(Failed\|Timeout\|SEGFAULT\|Subprocess aborted\|Exception\|Not Run\))$/\1/p' "$log"); do
  echo "---- output of test $n (last 60 lines)"
  grep "^$n: " "$log" | tail -60
done
sed -n '/tests passed, /,$p' "$log"
echo "sanitize.sh: $kind tests took $((SECONDS - built)) s (exit $status); full output: $dir/$log"
exit $status
