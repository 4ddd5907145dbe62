#!/usr/bin/env bash
# run.sh - `make run`: the whole system in the foreground on one origin,
# http://127.0.0.1:${POSTES_HTTP_PORT:-8080}/. Ctrl-C stops what it started.
# DEMO=1 loads demonstration data (staff, postes, users, sessions in every
# state) into an empty database. FRONT=apache puts Apache in front instead
# of lighttpd.
#
# Then a small supervisor keeps the stack up. Twice a second it looks at
# MariaDB, the pusher, the front and (under Apache) the two FastCGI pools.
# One that has ended without being stopped on purpose (db-ctl.sh stop and
# pusher-ctl.sh stop leave var/run/<name>.held) is started again: at once
# the first time, then after 1, 2, 4 ... 30 s while it keeps ending within
# a minute of its last start. Nothing else is touched meanwhile: the API
# answers 503 while MariaDB is away, dashboards poll while the pusher is
# away (docs/operations.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

trap 'trap - INT TERM EXIT; say "stopping"; stack_stop; exit 0' INT TERM
trap 'stack_stop' EXIT
stack_start
if [ "${DEMO:-0}" = 1 ]; then
  api_cmd demo
fi
say "up: http://127.0.0.1:$POSTES_HTTP_PORT/  (dashboard /, kiosk /kiosk/, admin /admin/, API /api/)"
say "front: $FRONT; pusher on http://127.0.0.1:$POSTES_PUSHER_PORT/  - logs in $V/log/ - Ctrl-C stops everything"
[ "$(id -u)" -ne 0 ] || say "running as user $RUN_USER"

declare -A last=() pause=() due=()

alive() { local pid; pid=$(cat "$V/run/$1" 2>/dev/null) && ! gone "$pid"; }

db_restart() { db_start >>"$V/log/supervisor.log" 2>&1; }
pusher_restart() { pusher_start; }
front_restart() { front_stop; front_start; }
api_pool_restart() { pool_stop api; pool_start api "${POSTES_API_PROCS:-4}"; }
admin_pool_restart() { pool_stop admin; pool_start admin 1; }

# keep NAME PIDFILE: start NAME again (NAME_restart) if its process ended.
keep() {
  local name=$1 pidfile=$2 now=$SECONDS
  if [ -e "$V/run/$name.held" ] || alive "$pidfile"; then
    unset "due[$name]"
    return 0
  fi
  if [ -z "${due[$name]:-}" ]; then
    if [ -n "${last[$name]:-}" ] && [ $((now - last[$name])) -lt 60 ]; then
      pause[$name]=$(( ${pause[$name]:-0} == 0 ? 1 : (pause[$name] >= 16 ? 30 : pause[$name] * 2) ))
    else
      pause[$name]=0
    fi
    due[$name]=$((now + pause[$name]))
    say "$name ended; starting it again in ${pause[$name]} s"
  fi
  [ "$now" -ge "${due[$name]}" ] || return 0
  unset "due[$name]"
  last[$name]=$now
  local t0=${EPOCHREALTIME/./} ms
  if "${name//-/_}_restart"; then
    ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
    say "$name is back (started in $ms ms)"
  else
    say "$name did not start again; see $V/log/"
  fi
}

while :; do
  sleep 0.5
  keep db mysqld.mainpid
  [ ! -x "$POSTES_BUILD/postes-pusher" ] || keep pusher pusher.pid
  if [ "$FRONT" = apache ]; then
    keep api-pool api-pool.pid
    keep admin-pool admin-pool.pid
  fi
  keep front front.pid
done
