#!/usr/bin/env bash
# db-ctl.sh start|stop|restart - drive the MariaDB of a running stack
# (tests stop it to see 503 answers and the API reconnecting by itself).
# Same environment as test.sh; start is db_start from lib.sh, so the
# database comes back exactly as the stack started it. Under `make run`,
# stop leaves var/run/db.held so that run.sh's supervisor leaves it down;
# start (and restart) removes it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

db_ctl_stop() {
  local pid
  : > "$V/run/db.held"
  pid=$(cat "$V/run/mysqld.mainpid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  # Gone, or a zombie that its parent (test.sh) has not reaped yet.
  wait_for 60 bash -c "! kill -0 $pid 2>/dev/null || grep -q '^State:[[:space:]]*Z' /proc/$pid/status" \
    || { say "MariaDB ($pid) did not stop"; return 1; }
  wait_for 30 bash -c "! mariadb-admin --socket='$POSTES_DB_SOCKET' -uroot ping" \
    || { say "MariaDB still answers"; return 1; }
  rm -f "$V/run/mysqld.mainpid"
}

db_ctl_start() {
  # mariadbd outlives this script: keep its output out of our caller's pipes.
  db_start >>"$V/log/db-ctl.log" 2>&1 </dev/null
}

case "${1:-}" in
  start)   db_ctl_start ;;
  stop)    db_ctl_stop ;;
  restart) db_ctl_stop; db_ctl_start ;;
  *) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
