#!/usr/bin/env bash
# Installs the real servers the tests run against (Debian packages), once.
# Needs root; without it, tests that need a missing server say so and skip.
set -u
pkgs=(clickhouse-server clickhouse-client nginx-light libnginx-mod-http-echo libnginx-mod-nchan websocketd openssl chromium wrk)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || echo "apt-get install failed"
fi
# The packaged services must not hold the ports or the state the tests use.
for s in nginx clickhouse-server; do
  (command -v systemctl >/dev/null && systemctl stop "$s" >/dev/null 2>&1) || true
  (command -v service >/dev/null && service "$s" stop >/dev/null 2>&1) || true
done
exit 0
