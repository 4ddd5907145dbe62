#!/usr/bin/env bash
# install-deps.sh - install the Debian packages postes needs, if missing.
#
# Idempotent and quiet when everything is there, so `make run` and
# `make test` can call it every time. Needs root (or sudo) only when
# something is actually missing.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libfcgi-dev libmicrohttpd-dev libjson-c-dev libmariadb-dev
  libzmq3-dev libsodium-dev libcmocka-dev
  mariadb-server mariadb-client lighttpd
  nodejs npm chromium curl wrk procps tzdata
  nginx libnginx-mod-nchan
  clang libclang-rt-14-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
# Debian's nodejs may already be provided by another install (nodesource,
# nvm): then only npm-less machines need the package.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  command -v npm >/dev/null 2>&1 || missing+=(npm)
fi
read -r -a missing <<<"${missing[*]:-}"
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "postes: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps Debian from starting the system-wide MariaDB and
# lighttpd: postes runs its own, private ones under var/.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
