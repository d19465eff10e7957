#!/usr/bin/env bash
# Runs the BullMQ peer benchmark against a throwaway Redis: installs what is
# missing, starts redis-server on a free loopback port with persistence off,
# runs bench.js with this script's arguments, and stops Redis on exit.
#
#   bench/peers/bullmq/run.sh [--shape loop|serial|both] [--quick] ...
#
# Optional: nothing of downhill's own build, tests or benchmarks needs it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

install_redis() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server ||
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; }
}

if ! command -v redis-server >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: redis-server is missing; install it (apt-get install redis-server) or run as root" >&2
    exit 1
  fi
  # The package must not start a system Redis: ours is started below, and
  # only for this run. A policy-rc.d answering 101 keeps the service down.
  if [ -e /usr/sbin/policy-rc.d ]; then
    install_redis
  else
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    status=0
    install_redis || status=$?
    rm -f /usr/sbin/policy-rc.d
    [ "$status" -eq 0 ] || exit "$status"
  fi
fi

# npm ci only when node_modules is absent or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Many queues mean several connections each (a worker holds two, a waiter
# one): raise the open-file limit for Redis and Node as far as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

scratch="$(mktemp -d "${TMPDIR:-/tmp}/dh-peer-bullmq-XXXXXX")"
redis_pid=""
stop_redis() {
  if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
    kill "$redis_pid"
    wait "$redis_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap stop_redis EXIT
trap 'exit 130' INT TERM

# A port the kernel just handed out and released: free unless raced.
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"

# No config file: the Debian one is for the system service. Persistence off
# (--save '' --appendonly no), as in the measurement issue 10 describes;
# noeviction because BullMQ loses jobs if Redis evicts keys.
redis-server --bind 127.0.0.1 --port "$port" --dir "$scratch" \
  --save '' --appendonly no --maxmemory-policy noeviction \
  --daemonize no --logfile "$scratch/redis.log" &
redis_pid=$!

# Ready when it answers PING (bash's /dev/tcp: no redis-cli needed).
redis_answers() {
  local reply=""
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  read -r -t 1 reply <&3 || true
  exec 3>&-
  [[ "$reply" == +PONG* ]]
}
for _ in $(seq 1 100); do
  redis_answers && break
  if ! kill -0 "$redis_pid" 2>/dev/null; then
    echo "run.sh: redis-server did not start:" >&2
    cat "$scratch/redis.log" >&2
    exit 1
  fi
  sleep 0.1
done
redis_answers || { echo "run.sh: redis-server does not answer on port $port" >&2; exit 1; }

echo "redis-server on 127.0.0.1:$port (pid $redis_pid), persistence off"
node bench.js --redis-host 127.0.0.1 --redis-port "$port" "$@"
