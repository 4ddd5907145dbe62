#!/usr/bin/env bash
# restart-bench.sh - how long each part of `make run` takes to come back
# after a kill -9, with run.sh's supervisor (a benchmark: figures printed,
# nothing asserted). Starts deploy/run.sh on free ports in var/restart-<front>,
# kills MariaDB, the pusher and the front (and under Apache a FastCGI pool)
# one at a time, and prints the seconds from the kill until the part
# answers again, and whether the rest kept serving meanwhile.
#
#	FRONT=lighttpd|apache bash tests/bench/restart-bench.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
: "${FRONT:=lighttpd}"
export FRONT
export POSTES_VAR_DIR=$ROOT/var/restart-$FRONT
rm -rf "$POSTES_VAR_DIR"
. deploy/lib.sh
export POSTES_HTTP_PORT=$(free_port ${POSTES_TEST_PORT_BASE:-19180})
export POSTES_PUSHER_PORT=$(free_port $((POSTES_HTTP_PORT + 1)))
export POSTES_ZMQ_PORT=$(free_port $((POSTES_PUSHER_PORT + 1)))
B=http://127.0.0.1:$POSTES_HTTP_PORT
P=http://127.0.0.1:$POSTES_PUSHER_PORT

setsid bash deploy/run.sh >"$ROOT/var/restart-$FRONT.out" 2>&1 </dev/null &
run=$!
trap 'kill -TERM $run 2>/dev/null; wait $run 2>/dev/null || true' EXIT
# run.sh's supervisor runs once it has said "up".
wait_for 180 grep -q 'postes: up:' "$ROOT/var/restart-$FRONT.out" \
  || { echo "make run did not start"; tail "$ROOT/var/restart-$FRONT.out"; exit 1; }
wait_for 20 curl -fsS "$B/api/health"
wait_for 20 curl -fsS "$P/healthz"

now_ms() { echo $(( ${EPOCHREALTIME/./} / 1000 )); }

# measure NAME PIDFILE CHECK-URL [SERVING-URL]: kill -9, then time until
# CHECK-URL answers 200; meanwhile SERVING-URL is polled (how many of its
# answers were 200).
measure() {
  local name=$1 pid t0 ok=0 all=0 code
  pid=$(cat "$V/run/$2")
  t0=$(now_ms)
  kill -KILL "$pid"
  while ! curl -fsS -m 2 -o /dev/null "$3" 2>/dev/null \
        || [ "$(cat "$V/run/$2" 2>/dev/null)" = "$pid" ] || [ ! -s "$V/run/$2" ]; do
    if [ -n "${4:-}" ]; then
      code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$4" || true)
      all=$((all + 1)); [ "$code" != 200 ] || ok=$((ok + 1))
    fi
    sleep 0.05
    [ $(( $(now_ms) - t0 )) -lt 120000 ] || { echo "$name: did not come back"; return 0; }
  done
  printf '%-12s back after %5.1f s' "$name" "$(( $(now_ms) - t0 ))e-3"
  [ -z "${4:-}" ] || printf '   meanwhile %s: %d/%d answers 200' "${4#"$B"}" "$ok" "$all"
  echo
  sleep 3
}

echo "######## kill -9 under make run (FRONT=$FRONT)"
measure mariadb mysqld.mainpid "$B/api/health" "$B/"
measure pusher pusher.pid "$P/healthz" "$B/api/health"
measure front front.pid "$B/api/health"
if [ "$FRONT" = apache ]; then
  measure api-pool api-pool.pid "$B/api/health" "$B/"
fi
echo "supervisor log:"
grep -E 'ended|back|did not' "$ROOT/var/restart-$FRONT.out" | sed 's/^/  /'
