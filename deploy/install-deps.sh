#!/usr/bin/env bash
# install-deps.sh - install the Debian packages postes needs, if missing.
#
# Idempotent and quiet when everything is there, so `make run` and
# `make test` can call it every time. Needs root (or sudo) only when
# something is actually missing.
set -euo pipefail
# postes-agent (agent/) builds with GTK 3 and libcurl; its tests run it
# under Xvfb with openbox, driven by xdotool, screenshots by imagemagick.

PKGS=(
  build-essential pkg-config
  libfcgi-dev libmicrohttpd-dev libjson-c-dev libmariadb-dev
  libzmq3-dev libsodium-dev libcmocka-dev
  mariadb-server mariadb-client lighttpd lighttpd-mod-openssl openssl
  apache2 spawn-fcgi util-linux passwd
  nodejs npm ca-certificates chromium curl wrk procps iproute2 tzdata
  nginx libnginx-mod-nchan
  libgtk-3-dev libcurl4-openssl-dev
  xvfb xdotool openbox imagemagick x11-xserver-utils x11-xkb-utils
  clang libclang-rt-14-dev
  libapache2-mod-fcgid groff-base
)
# libapache2-mod-fcgid: the shared-hosting profile of make test and make
# bench run postes-api under Apache's mod_fcgid. groff-base: CI's
# check-install reads the man pages with groff -ww.

# --cluster: also what the loopback cluster test needs (make cluster-test).
CLUSTER=(galera-4 rsync)
# --bare: only what make check-bare needs on the host (it builds the bare
# system it checks; that system gets the rest from this script).
BARE=(debootstrap)
# --list: print the packages, one a line, and stop (deploy/check-deps.sh
# checks that what the tree uses is among them or what they pull in).
case "${1:-}" in
  --cluster) PKGS+=("${CLUSTER[@]}") ;;
  --bare) PKGS=("${BARE[@]}") ;;
  --list) printf '%s\n' "${PKGS[@]}" "${CLUSTER[@]}" "${BARE[@]}"; exit 0 ;;
esac

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
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# The front end's build (Vite 8) and the tests (playwright-core) need
# Node.js 20.19+ or 22.12+; Debian 12's nodejs is 18. When the node on
# PATH is older, the official Node 20 binary is installed from the npm
# registry (package node-linux-<arch>, pinned below, checked by npm
# against the registry's integrity hash) as /usr/local/bin/node, ahead of
# /usr/bin on PATH. Debian's nodejs and npm stay as they are.
NODE_PIN=20.20.2
node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a >= 23 ? 0 : 1)'
}
node_upgrade() {
  node_ok && return 0
  local arch
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64 ;; arm64) arch=arm64 ;;
    *) echo "postes: node $(node --version) is too old for the front-end build; install Node.js 20.19+" >&2; return 1 ;;
  esac
  echo "postes: node $(node --version 2>/dev/null) is too old; installing Node.js $NODE_PIN from the npm registry into /usr/local" >&2
  $SUDO npm install --global --prefix /usr/local --no-audit --no-fund --loglevel=error \
    "node-linux-$arch@$NODE_PIN"
  hash -r
  node_ok || { echo "postes: node on PATH is still $(node --version); put /usr/local/bin first" >&2; return 1; }
}

if [ "${#missing[@]}" -eq 0 ]; then node_upgrade; exit 0; fi

echo "postes: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# policy-rc.d keeps Debian from starting the system-wide MariaDB,
# lighttpd and Apache: postes runs its own, private ones under var/.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
node_upgrade
