#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer, the
# whole project, into ./build-fuzz) and fuzzes them, one at a time, on one
# core each.
#   ./scripts/fuzz.sh [-t SECONDS] [--merge] [TARGET...]
# -t: how long each target fuzzes (default 600). --merge: afterwards, add the
# inputs that found new coverage to the committed seed corpus
# (tests/fuzz/corpus/TARGET, minimized with -merge=1). Without --merge the
# seed corpus is only read: new inputs go to build-fuzz/corpus/TARGET.
# A crash, leak, UBSan report or timeout stops the target and leaves the
# input in build-fuzz/findings/. Exits 1 if any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) seconds="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    -*) echo "usage: $0 [-t SECONDS] [--merge] [TARGET...]" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_schedule fuzz_url fuzz_json_body fuzz_request)
fi
./scripts/install-deps.sh
command -v clang++ >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends clang libclang-rt-14-dev
}
start=$SECONDS
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DDOWNHILL_FUZZ=ON \
  -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"
echo "fuzz.sh: build took $((SECONDS - start)) s"

supp=$PWD/tests/sanitizers
# Same runtime options as the sanitizer test runs (cmake/Sanitizers.cmake).
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:suppressions=$supp/ubsan.supp"
export LSAN_OPTIONS="suppressions=$supp/lsan.supp"
found=0
for target in "${targets[@]}"; do
  seeds=tests/fuzz/corpus/$target
  work=build-fuzz/corpus/$target
  findings=build-fuzz/findings/$target
  mkdir -p "$work" "$findings"
  log=build-fuzz/$target.log
  echo "fuzz.sh: $target for $seconds s (log: $log)"
  status=0
  # The first corpus directory receives new inputs; the seeds are read only.
  # -timeout: an input that takes 10 s is a hang worth reporting.
  ./build-fuzz/tests/fuzz/"$target" "$work" "$seeds" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)" "$log" || true
  echo "fuzz.sh: $target corpus: $(ls "$work" | wc -l) new + $(ls "$seeds" | wc -l) seed inputs"
  if [ "$status" -ne 0 ]; then
    found=1
    echo "fuzz.sh: $target FOUND something (exit $status):"
    grep -E -A30 "ERROR|runtime error|deadly signal|Timeout|leak" "$log" | head -60
    ls "$findings"
  fi
  if [ "$merge" -eq 1 ]; then
    ./build-fuzz/tests/fuzz/"$target" -merge=1 "$seeds" "$work" >/dev/null 2>&1
    echo "fuzz.sh: $target seed corpus now $(ls "$seeds" | wc -l) inputs"
  fi
done
exit $found
