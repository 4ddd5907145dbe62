# lib.sh - the loopback cluster's bring-up, sourced by run.sh (the
# failure test, make cluster-test) and capacity.sh (the figures, make
# cluster-bench), so that both measure the same cluster.
#
# cluster_up brings up on 127.0.0.1, under $CV (default /tmp/postes-cluster):
#   - a 3-node Galera cluster (galera.sh), ports $DBP+1..3; every program
#     gets POSTES_DB_HOSTS=db1,db2,db3 and so writes to db1 while it lives;
#   - 2 API hosts: two FastCGI pools (postes-api's workers under spawn-fcgi)
#     on unix sockets api1.sock and api2.sock;
#   - postes-relay between "hosts": tcp://127.0.0.1:$RIN (XSUB, the API
#     hosts publish there) and tcp://127.0.0.1:$ROUT (XPUB, the pushers
#     subscribe there), with CURVE: the relay is the server, its ZAP
#     handler admits the keys of api1, api2, pusher1, pusher2 and "probe"
#     (the capacity script's publisher), nothing else;
#   - 2 pushers on $PP+1 and $PP+2, each reading the outbox and subscribed
#     to the relay;
#   - one lighttpd front on $HP balancing /api/ over both pools
#     (mod_fastcgi, two hosts) and /ws/, /events/ over both pushers
#     (mod_proxy, two hosts, round-robin); on $HP+1 and $HP+2 the same
#     front reaches api1 alone and api2 alone (per-host figures).
# Every "host" has its own secrets file ($CV/hosts/NAME.secrets, 0600:
# database password, POSTES_SECRET, its own CURVE pair), the common
# settings are in $CV/postes.conf, as on real machines.
#
# zring (tests/cluster/zring.c, built into $CV) publishes or subscribes
# on the relay with a given key pair: the capacity script's load and the
# stranger check (relay_stranger_check) use it.
#
# Everything runs as root (mariadbd as mysql); nothing system wide is
# touched. Ports from POSTES_CLUSTER_PORT_BASE (default 29100): +1..+3
# MariaDB, +11..+13 gcomm, +21..+23 IST, +31..+33 SST, +100..+102 the
# front, +111, +112 the pushers, +120, +121 the relay.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${POSTES_BUILD:-$ROOT/build/std}
CV=${POSTES_CLUSTER_DIR:-/tmp/postes-cluster}
PB=${POSTES_CLUSTER_PORT_BASE:-29100}
DBP=$PB GCP=$((PB + 10)) ISTP=$((PB + 20)) SSTP=$((PB + 30))
HP=$((PB + 100)) PP=$((PB + 110)) RIN=$((PB + 120)) ROUT=$((PB + 121))
export CV DBP GCP ISTP SSTP
say() { printf 'cluster: %s\n' "$*" >&2; }
# The probes (zring.c, dblag.c) are built with the Makefile's warnings.
CLUSTER_CWARN='-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wcast-qual'

cluster_check() {	# root, the programs, the test's node modules
  [ "$(id -u)" -eq 0 ] || { say "run as root (mariadbd as mysql, the rest as root)"; exit 2; }
  local p
  for p in "$B/postes-api" "$B/postes-pusher" "$B/postes-relay"; do
    [ -x "$p" ] || { say "no $p: make first"; exit 2; }
  done
  [ -d "$ROOT/tests/node_modules/ws" ] || (cd "$ROOT/tests" && npm ci --no-audit --no-fund --loglevel=error)
}
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
cluster_down() {
  set +e
  local n i
  for n in front pusher1 pusher2 relay api1 api2; do stop_one "$n"; done
  for i in 1 2 3; do gal_stop "$i"; done
}

# A CURVE pair for NAME: $CV/keys/NAME.pub and NAME.sec (Z85, 40 chars),
# made by postes-pusher keygen (which prints two pairs; we keep the first).
cluster_key() {
  local out
  out=$("$B/postes-pusher" keygen)
  printf '%s\n' "$out" | sed -n "s/^POSTES_ZMQ_SERVER_PUBLIC='\(.*\)'$/\1/p" > "$CV/keys/$1.pub"
  printf '%s\n' "$out" | sed -n "s/^POSTES_ZMQ_SERVER_SECRET='\(.*\)'$/\1/p" > "$CV/keys/$1.sec"
  [ "$(wc -c < "$CV/keys/$1.pub")" -eq 41 ] && [ "$(wc -c < "$CV/keys/$1.sec")" -eq 41 ] \
    || { say "keygen for $1 failed"; exit 1; }
}
key() { cat "$CV/keys/$1.$2"; }

# The secrets file of one "host": database password, POSTES_SECRET and its
# own CURVE pair (a client's), or the relay's server secret and the list of
# admitted keys.
host_secrets() {	# host_secrets NAME
  local f="$CV/hosts/$1.secrets"
  {
    echo "POSTES_DB_PASSWORD=$DBPASS"
    echo "POSTES_SECRET=$SECRET"
    if [ "$1" = relay ]; then
      echo "POSTES_ZMQ_SERVER_SECRET='$(key relay sec)'"
      echo "POSTES_ZMQ_CLIENTS='$(key api1 pub),$(key api2 pub),$(key pusher1 pub),$(key pusher2 pub),$(key probe pub)'"
    else
      echo "POSTES_ZMQ_CLIENT_PUBLIC='$(key "$1" pub)'"
      echo "POSTES_ZMQ_CLIENT_SECRET='$(key "$1" sec)'"
    fi
  } > "$f"
  chmod 600 "$f"
}

start_api() {	# start_api N
  rm -f "$CV/run/api$1.sock"
  POSTES_SECRETS_FILE=$CV/hosts/api$1.secrets \
    setsid spawn-fcgi -n -s "$CV/run/api$1.sock" -M 0600 -- /usr/bin/env POSTES_API_WORKERS=2 \
    "$B/postes-api" >>"$CV/log/api$1.log" 2>&1 </dev/null &
  echo $! > "$CV/run/api$1.pid"
  local n=100; until [ -S "$CV/run/api$1.sock" ] || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}
listening() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
start_relay() {
  POSTES_SECRETS_FILE=$CV/hosts/relay.secrets \
    setsid "$B/postes-relay" >>"$CV/log/relay.log" 2>&1 </dev/null &
  echo $! > "$CV/run/relay.pid"
  local n=100; until { listening "$RIN" && listening "$ROUT"; } || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}
start_pusher() {	# start_pusher N
  POSTES_SECRETS_FILE=$CV/hosts/pusher$1.secrets POSTES_PUSHER_PORT=$((PP + $1)) \
    setsid "$B/postes-pusher" >>"$CV/log/pusher$1.log" 2>&1 </dev/null &
  echo $! > "$CV/run/pusher$1.pid"
  local n=200; until curl -fsS "http://127.0.0.1:$((PP + $1))/healthz" >/dev/null 2>&1 || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
}

# zring with a key pair: zring_as NAME pub|sub ENDPOINT ARGS...
zring_as() {
  local who=$1; shift
  ZRING_SERVER_PUBLIC=$(key relay pub) ZRING_PUBLIC=$(key "$who" pub) ZRING_SECRET=$(key "$who" sec) \
    "$CV/zring" "$@"
}
# A pusher's counter from /metrics: metric PORT 'name{labels}'
metric() {
  curl -fsS "http://127.0.0.1:$1/metrics" | awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }'
}

# The relay closes its doors to strangers. While a listed subscriber
# (pusher1's key) and a stranger subscriber listen, a stranger publisher
# rings for 3 s, then a listed one ("probe") for 3 s. The stranger's rings
# must reach nobody: neither pusher counts a doorbell while it rings, and
# the listed subscriber hears no more than the probe sent (it would hear
# ~600 more otherwise); the stranger subscriber hears nothing at all; the
# probe's rings do reach both pushers and the listed subscriber. Needs a
# quiet cluster (no writes). Prints one line; returns 1 if any is false.
relay_stranger_check() {
  local m='postes_pusher_doorbell_total{source="zmq"}' a1 a2 b1 b2 c1 c2 heard sheard sent lp sp
  zring_as pusher1 sub "tcp://127.0.0.1:$ROUT" 9 > "$CV/run/zr-listed" &
  lp=$!
  zring_as stranger sub "tcp://127.0.0.1:$ROUT" 9 > "$CV/run/zr-stranger" 2>/dev/null &
  sp=$!
  sleep 0.5
  a1=$(metric $((PP + 1)) "$m"); a2=$(metric $((PP + 2)) "$m")
  zring_as stranger pub "tcp://127.0.0.1:$RIN" 3 200 >/dev/null 2>&1 || true
  sleep 1
  b1=$(metric $((PP + 1)) "$m"); b2=$(metric $((PP + 2)) "$m")
  sent=$(zring_as probe pub "tcp://127.0.0.1:$RIN" 3 200 | awk '{ print $1 }')
  wait "$lp" "$sp" || true
  c1=$(metric $((PP + 1)) "$m"); c2=$(metric $((PP + 2)) "$m")
  heard=$(awk '{ print $1 }' "$CV/run/zr-listed"); sheard=$(awk '{ print $1 }' "$CV/run/zr-stranger")
  local refused; refused=$(grep -c 'peer refused' "$CV/log/relay.log" || true)
  say "relay tcp+CURVE: while a stranger rang: pusher1 +$((b1 - a1)), pusher2 +$((b2 - a2)) doorbells; then the probe sent ${sent:-0}: pusher1 +$((c1 - b1)), pusher2 +$((c2 - b2)) doorbells; listed subscriber heard ${heard:-0} in all, stranger subscriber ${sheard:-0}; the relay logged $refused refused handshakes"
  # The log count is shown, not asserted: what a stranger can do is.
  [ "$b1" -eq "$a1" ] && [ "$b2" -eq "$a2" ] && [ "${sheard:-0}" -eq 0 ] \
    && [ "${heard:-0}" -gt 0 ] && [ "${heard:-0}" -le "${sent:-0}" ] \
    && [ "$c1" -gt "$b1" ] && [ "$c2" -gt "$b2" ]
}

cluster_up() {
  rm -rf "$CV"; mkdir -p "$CV/log" "$CV/run" "$CV/keys" "$CV/hosts"; chmod 755 "$CV"; chmod 700 "$CV/keys" "$CV/hosts"
  DBPASS=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  MIGPASS=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
  SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  cc -O2 $CLUSTER_CWARN -o "$CV/zring" "$ROOT/tests/cluster/zring.c" -lzmq \
    || { say "zring did not build"; exit 1; }

  T0=$(date +%s)
  gal_start 1 bootstrap
  gal_start 2
  gal_start 3
  say "Galera: 3 nodes, size $(gal_size 1), $(( $(date +%s) - T0 )) s"

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

  local h
  for h in relay api1 api2 pusher1 pusher2 probe stranger; do cluster_key "$h"; done
  for h in relay api1 api2 pusher1 pusher2; do host_secrets "$h"; done
  cat > "$CV/postes.conf" <<CONF
POSTES_DB_HOSTS=127.0.0.1:$((DBP + 1)),127.0.0.1:$((DBP + 2)),127.0.0.1:$((DBP + 3))
POSTES_DB_USER=postes
POSTES_DB_NAME=postes
POSTES_HTTP_PORT=$HP
POSTES_ORIGIN=http://127.0.0.1:$HP
POSTES_VAR_DIR=$CV
POSTES_ZMQ_RELAY=tcp://127.0.0.1:$RIN
POSTES_ZMQ_RELAY_SUB=tcp://127.0.0.1:$ROUT
POSTES_ZMQ_SERVER_PUBLIC=$(key relay pub)
POSTES_WARN_THRESHOLDS=30
POSTES_HEARTBEAT_INTERVAL=5
CONF
  export POSTES_CONFIG=$CV/postes.conf
  POSTES_SECRETS_FILE=$CV/hosts/api1.secrets "$B/postes-api" bootstrap-admin >"$CV/log/bootstrap.log" 2>&1
  ADMIN_PASSWORD=$(cat "$CV/admin-password" 2>/dev/null || sed -n 's/.*password[^:]*: *//p' "$CV/log/bootstrap.log" | tail -1)

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
# One API host alone (capacity figures per host).
\$SERVER["socket"] == "127.0.0.1:$((HP + 1))" {
  fastcgi.server = ( "/api/" => (( "socket" => "$CV/run/api1.sock", "check-local" => "disable" )))
}
\$SERVER["socket"] == "127.0.0.1:$((HP + 2))" {
  fastcgi.server = ( "/api/" => (( "socket" => "$CV/run/api2.sock", "check-local" => "disable" )))
}
CONF
  lighttpd -tt -f "$CV/lighttpd.conf" >/dev/null
  setsid lighttpd -D -f "$CV/lighttpd.conf" >>"$CV/log/lighttpd.out" 2>&1 </dev/null &
  echo $! > "$CV/run/front.pid"
  local n=100; until curl -fsS "http://127.0.0.1:$HP/api/health" >/dev/null 2>&1 || [ $n -eq 0 ]; do n=$((n-1)); sleep 0.1; done
  say "stack up in $(( $(date +%s) - T0 )) s: front :$HP (api1 alone :$((HP + 1)), api2 alone :$((HP + 2))), pushers :$((PP + 1)) :$((PP + 2)), relay tcp :$RIN/:$ROUT (CURVE), Galera :$((DBP + 1))-$((DBP + 3))"
}
