#!/usr/bin/env bash
# run.sh - the loopback cluster test (make cluster-test; not part of make test).
#
# lib.sh brings the cluster up (3 Galera nodes, 2 API hosts, the relay on
# tcp:// with CURVE between the "hosts", 2 pushers, one lighttpd front
# balancing both API pools and both pushers). First, while nothing
# writes, the relay must refuse strangers (relay_stranger_check: a
# publisher or subscriber whose key is not listed rings or hears
# nothing). Then tests/cluster/load.mjs runs the write load and the
# clients and kills, in turn, an API host, a pusher, the relay and a
# database node, bringing each back, and prints the counts; its exit
# status is ours. Ports: POSTES_CLUSTER_PORT_BASE (default 29100).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
cluster_check
trap cluster_down EXIT
trap 'exit 143' TERM INT
cluster_up
relay_stranger_check || { say "FAIL: the relay let a stranger through (or a listed peer was not heard)"; exit 1; }

# The load script asks us to kill and restart components through a fifo.
mkfifo "$CV/ctl" "$CV/ctl-ack"
ctl_loop() {
  local cmd what
  while read -r cmd what < "$CV/ctl"; do
    case "$cmd $what" in
      "kill api1") stop_one api1 KILL || true ;;
      "start api1") start_api 1 || say "api1 did not start" ;;
      "kill pusher1") stop_one pusher1 KILL || true ;;
      "start pusher1") start_pusher 1 || say "pusher1 did not start" ;;
      "kill relay") stop_one relay KILL || true ;;
      "start relay") start_relay || say "relay did not start" ;;
      "kill db1") gal_kill 1 || true ;;
      "start db1") gal_start 1 || say "db1 did not rejoin" ;;
      "quit ") return 0 ;;
    esac
    echo ok > "$CV/ctl-ack"
  done
}
ctl_loop &
ctl_pid=$!

rc=0
POSTES_BASE_URL=http://127.0.0.1:$HP POSTES_ADMIN_PASSWORD=$ADMIN_PASSWORD \
  POSTES_CLUSTER_DIR=$CV POSTES_CLUSTER_DB="127.0.0.1:$((DBP + 2))" \
  node "$ROOT/tests/cluster/load.mjs" || rc=$?
echo "quit" > "$CV/ctl" 2>/dev/null || true
wait "$ctl_pid" 2>/dev/null || true
exit $rc
