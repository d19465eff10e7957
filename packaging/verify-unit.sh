#!/bin/sh
# Runs `systemd-analyze verify` on the unit, with ExecStart pointed at a
# built binary (verify checks that the program exists). Exit 77 (CTest's
# skip) where systemd-analyze is missing.
# Usage: packaging/verify-unit.sh packaging/downhill.service build/cli/downhill
set -u
unit=$1
binary=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze is not installed (Debian: apt-get install systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=/usr/local/bin/downhill |ExecStart=$binary |" "$unit" \
  > "$tmp/downhill.service"
grep -q "^ExecStart=$binary " "$tmp/downhill.service" || {
  echo "the unit has no ExecStart=/usr/local/bin/downhill line"; exit 1; }
out=$(systemd-analyze verify "$tmp/downhill.service" 2>&1)
status=$?
printf '%s\n' "$out"
# verify exits 0 on some complaints about the unit: any line naming it
# counts as a failure too.
if [ "$status" -ne 0 ] || printf '%s\n' "$out" | grep -q 'downhill\.service'; then
  echo "FAILED: systemd-analyze verify found problems in $unit"
  exit 1
fi
echo "ok: systemd-analyze verify accepts $unit"
