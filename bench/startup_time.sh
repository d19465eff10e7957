#!/bin/bash
# Times one start of `downhill serve` on an existing data directory (e.g. one
# footprint_bench --keep-data DIR left): from the fork to /healthz answering
# 200, and to the first answer of ORG's environment list (through its org
# actor), then stops it with SIGTERM. Prints one line; run it alternately
# with a baseline binary (bench/README.md, footprint_bench).
#
#   DOWNHILL_ADMIN_TOKEN=... bench/startup_time.sh BINARY DATA_DIR [PORT] [ORG]
set -euo pipefail
bin=$1 data=$2 port=${3:-18731} org=${4:-fp-00000}
: "${DOWNHILL_ADMIN_TOKEN:?set DOWNHILL_ADMIN_TOKEN (at least 32 characters)}"
export DOWNHILL_ADMIN_TOKEN
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s%N)
"$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz" || true)" = 200 ]; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "the server exited:"; tail -5 "$log"; exit 1
  fi
  sleep 0.005
done
healthz=$(date +%s%N)
status=$(curl -s -o /dev/null -w '%{http_code}' \
  -H "Authorization: Bearer $DOWNHILL_ADMIN_TOKEN" \
  "http://127.0.0.1:$port/api/v1/orgs/$org/environments")
first=$(date +%s%N)
echo "$(basename "$bin"): healthz $(( (healthz - start) / 1000000 )) ms," \
  "first $org request $(( (first - start) / 1000000 )) ms (status $status)," \
  "RSS $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") KiB," \
  "load $(cut -d' ' -f1 /proc/loadavg)"
kill -TERM "$pid"
wait "$pid"
