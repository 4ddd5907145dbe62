#!/usr/bin/env bash
# build-www.sh - build the front end into www/dist when it has a
# package.json (Vue + Vite); until then www/static is served as it is.
set -euo pipefail
cd "$(dirname "$0")/../www"
[ -f package.json ] || exit 0
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
