#!/usr/bin/env bash
# Installs downhill's build and run dependencies from Debian 12's packages
# (as root), skipping the apt calls when everything is already there.
set -euo pipefail
packages=(build-essential cmake pkg-config libcaf-dev catch2 libboost1.81-dev
          libboost-url1.81-dev libsqlite3-dev sqlite3 libhowardhinnant-date-dev
          tzdata
          nlohmann-json3-dev libcli11-dev libssl-dev ca-certificates
          chromium)  # the dashboard's browser test
# docs/openapi.yaml becomes JSON at build time (python3-yaml); the OpenAPI
# test validates against its schemas (python3-jsonschema).
packages+=(python3 python3-yaml python3-jsonschema)
# Node.js runs the browser test; install Debian's if the machine has none.
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
