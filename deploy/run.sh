#!/usr/bin/env bash
# run.sh - `make run`: the whole system in the foreground on one origin,
# http://127.0.0.1:${POSTES_HTTP_PORT:-8080}/. Ctrl-C stops what it started.
# DEMO=1 loads demonstration data (staff, postes, users, sessions in every
# state) into an empty database.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

trap 'trap - INT TERM EXIT; say "stopping"; stack_stop; exit 0' INT TERM
trap 'stack_stop' EXIT
stack_start
if [ "${DEMO:-0}" = 1 ]; then
  "$POSTES_BUILD/postes-api" demo
fi
say "up: http://127.0.0.1:$POSTES_HTTP_PORT/  (dashboard /, kiosk /kiosk/, admin /admin/, API /api/)"
say "pusher on http://127.0.0.1:$POSTES_PUSHER_PORT/  - logs in $V/log/ - Ctrl-C stops everything"
while :; do
  wait -n || true
  # Whatever ended, stop if lighttpd or MariaDB is gone.
  for f in lighttpd.pid mysqld.mainpid; do
    pid=$(cat "$V/run/$f" 2>/dev/null) || continue
    kill -0 "$pid" 2>/dev/null || { say "$f process ended; stopping"; exit 1; }
  done
done
