#!/usr/bin/env bash
# run.sh - the loopback cluster test (make cluster-test; not part of make test).
#
# Brings up on 127.0.0.1, under $CV (default /tmp/postes-cluster):
#   - a 3-node Galera cluster (galera.sh), ports $DBP+1..3; every program
#     gets POSTES_DB_HOSTS=db1,db2,db3 and so writes to db1 while it lives;
#   - 2 API hosts: two FastCGI pools (deploy/api-pool.sh under spawn-fcgi)
#     on unix sockets api1.sock and api2.sock;
#   - postes-relay (ipc:// in $CV/zmq);
#   - 2 pushers on $PP+1 and $PP+2, each reading the outbox and subscribed
#     to the relay;
#   - one lighttpd front on $HP balancing /api/ over both pools
#     (mod_fastcgi, two hosts) and /ws/, /events/ over both pushers
#     (mod_proxy, two hosts, round-robin).
# Then tests/cluster/load.mjs runs the write load and the clients and
# kills, in turn, an API host, a pusher, the relay and a database node,
# bringing each back, and prints the counts; its exit status is ours.
# Everything runs as root (mariadbd as mysql); nothing system wide is
# touched. Ports: POSTES_CLUSTER_PORT_BASE (default 29100).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${POSTES_BUILD:-$ROOT/build/std}
CV=${POSTES_CLUSTER_DIR:-/tmp/postes-cluster}
PB=${POSTES_CLUSTER_PORT_BASE:-29100}
DBP=$PB GCP=$((PB + 10)) ISTP=$((PB + 20)) SSTP=$((PB + 30))
HP=$((PB + 100)) PP=$((PB + 110))
export CV DBP GCP ISTP SSTP
say() { printf 'cluster: %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { say "run as root (mariadbd as mysql, the rest as root)"; exit 2; }
for p in "$B/postes-api" "$B/postes-pusher" "$B/postes-relay"; do
  [ -x "$p" ] || { say "no $p: make first"; exit 2; }
done
[ -d "$ROOT/tests/node_modules/ws" ] || (cd "$ROOT/tests" && npm ci --no-audit --no-fund --loglevel=error)
# shellcheck source=galera.sh
. "$ROOT/tests/cluster/galera.sh"

pids_of() { cat "$CV/run/$1.pid" 2>/dev/null || true; }
stop_one() {	# stop_one NAME [SIGNAL]: the process group started as NAME
  local pid; pid=$(pids_of "$1"); [ -n "$pid" ] || return 0
  kill "-${2:-TERM}" -- "-$pid" 2>/dev/null || true
  local n=100; while kill -0 "$pid" 2>/dev/null && [ $n -gt 0 ]; do n=$((n-1)); sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$CV/run/$1.pid"
}
cleanup() {
  set +e
  for n in front pusher1 pusher2 relay api1 api2; do stop_one "$n"; done
  for i in 1 2 3; do gal_stop "$i"; done
}
trap cleanup EXIT

rm -rf "$CV"; mkdir -p "$CV/log" "$CV/run"; chmod 755 "$CV"
DBPASS=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MIGPASS=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')

t0=$(date +%s)
gal_start 1 bootstrap
gal_start 2
gal_start 3
say "Galera: 3 nodes, size $(gal_size 1), $(( $(date +%s) - t0 )) s"

gal_sql 1 <<SQL
CREATE DATABASE postes CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'postes'@'127.0.0.1' IDENTIFIED BY '$DBPASS';
GRANT SELECT, INSERT, UPDATE, DELETE, LOCK TABLES ON postes.* TO 'postes'@'127.0.0.1';
CREATE USER 'postes_migrate'@'127.0.0.1' IDENTIFIED BY '$MIGPASS';
GRANT ALL ON postes.* TO 'postes_migrate'@'127.0.0.1';
SQL
POSTES_DB_HOST=127.0.0.1 POSTES_DB_PORT=$((DBP + 1)) POSTES_MIGRATE_USER=postes_migrate \
  POSTES_MIGRATE_PASSWORD=$MIGPASS bash "$ROOT/db/migrate.sh" >"$CV/log/migrate.log" 2>&1 \
  || { say "migrations failed: $CV/log/migrate.log"; exit 1; }

cat > "$CV/postes.conf" <<CONF
POSTES_DB_HOSTS=127.0.0.1:$((DBP + 1)),127.0.0.1:$((DBP + 2)),127.0.0.1:$((DBP + 3))
POSTES_DB_USER=postes
POSTES_DB_PASSWORD=$DBPASS
POSTES_DB_NAME=postes
POSTES_SECRET=$SECRET
POSTES_HTTP_PORT=$HP
POSTES_ORIGIN=http://127.0.0.1:$HP
POSTES_VAR_DIR=$CV
POSTES_ZMQ_RELAY=ipc://$CV/zmq/relay-in
POSTES_ZMQ_RELAY_SUB=ipc://$CV/zmq/relay-out
POSTES_WARN_THRESHOLDS=30
POSTES_HEARTBEAT_INTERVAL=5
CONF
export POSTES_CONFIG=$CV/postes.conf
"$B/postes-api" bootstrap-admin >"$CV/log/bootstrap.log" 2>&1
ADMIN_PASSWORD=$(cat "$CV/admin-password" 2>/dev/null || sed -n 's/.*password[^:]*: *//p' "$CV/log/bootstrap.log" | tail -1)

start_api() {	# start_api N
  rm -f "$CV/run/api$1.sock"
  setsid spawn-fcgi -n -s "$CV/run/api$1.sock" -M 0600 -- /bin/bash "$ROOT/deploy/api-pool.sh" 2 \
    "$B/postes-api" >>"$CV/log/api$1.log" 2>&1 </dev/null &
  echo $! > "$CV/run/api$1.pid"
  local n=100; until [ -S "$CV/run/api$1.sock" ] || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}
start_relay() {
  setsid "$B/postes-relay" >>"$CV/log/relay.log" 2>&1 </dev/null &
  echo $! > "$CV/run/relay.pid"
  local n=100; until [ -S "$CV/zmq/relay-out" ] || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}
start_pusher() {	# start_pusher N
  POSTES_PUSHER_PORT=$((PP + $1)) setsid "$B/postes-pusher" >>"$CV/log/pusher$1.log" 2>&1 </dev/null &
  echo $! > "$CV/run/pusher$1.pid"
  local n=200; until curl -fsS "http://127.0.0.1:$((PP + $1))/healthz" >/dev/null 2>&1 || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}
start_relay
start_api 1; start_api 2
start_pusher 1; start_pusher 2

mkdir -p "$CV/front-errors"
cat > "$CV/lighttpd.conf" <<CONF
server.modules = ( "mod_fastcgi", "mod_proxy" )
server.bind = "127.0.0.1"
server.port = $HP
server.document-root = "$ROOT/www/static"
server.errorlog = "$CV/log/lighttpd-error.log"
server.max-connections = 2048
server.stream-response-body = 2
# Two API hosts: lighttpd balances FastCGI requests over both sockets and
# stops using one that refuses connections until it is back.
fastcgi.balance = "round-robin"
fastcgi.server = ( "/api/" => (
  ( "socket" => "$CV/run/api1.sock", "check-local" => "disable", "disable-time" => 1 ),
  ( "socket" => "$CV/run/api2.sock", "check-local" => "disable", "disable-time" => 1 ),
))
# Two pushers: each new stream goes to the next one.
proxy.balance = "round-robin"
proxy.server = (
  "/ws/"     => (( "host" => "127.0.0.1", "port" => $((PP + 1)) ), ( "host" => "127.0.0.1", "port" => $((PP + 2)) )),
  "/events/" => (( "host" => "127.0.0.1", "port" => $((PP + 1)) ), ( "host" => "127.0.0.1", "port" => $((PP + 2)) )),
)
proxy.header = ( "upgrade" => "enable" )
CONF
lighttpd -tt -f "$CV/lighttpd.conf" >/dev/null
setsid lighttpd -D -f "$CV/lighttpd.conf" >>"$CV/log/lighttpd.out" 2>&1 </dev/null &
echo $! > "$CV/run/front.pid"
n=100; until curl -fsS "http://127.0.0.1:$HP/api/health" >/dev/null 2>&1 || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
say "stack up in $(( $(date +%s) - t0 )) s: front :$HP, pushers :$((PP + 1)) :$((PP + 2)), Galera :$((DBP + 1))-$((DBP + 3))"

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
